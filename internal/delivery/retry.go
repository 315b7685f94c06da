package delivery

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// RetryPolicy spaces retries exponentially from Base, capped at Max, with
// ±10% jitter so that failures that happened together do not retry
// together. River's default (attempt⁴ seconds) waits 16 s before a second
// retry, long for a chat, and days before its last.
type RetryPolicy struct {
	Base, Max time.Duration
}

var _ river.ClientRetryPolicy = RetryPolicy{}

// DefaultRetryPolicy waits 2 s, 4 s, 8 s, … up to an hour between tries.
var DefaultRetryPolicy = RetryPolicy{Base: 2 * time.Second, Max: time.Hour}

// NextRetry is when a job that failed its attempt should run again.
func (p RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := p.Max
	if n := job.Attempt - 1; n < 30 {
		d = min(p.Base<<n, p.Max)
	}
	jitter := time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return time.Now().Add(d + jitter)
}
