package bench

import (
	"math"
	"slices"
	"time"
)

// summary is a latency distribution's p50, p99 and maximum.
type summary struct{ p50, p99, max time.Duration }

// summarize sorts ds in place and summarizes it.
func summarize(ds []time.Duration) summary {
	slices.Sort(ds)
	return summary{p50: percentile(ds, 50), p99: percentile(ds, 99), max: percentile(ds, 100)}
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: a value that was observed, never an interpolation.
// It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// median returns the middle of xs, or the mean of the two middle values
// when their number is even; 0 for none. xs is not changed.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
