package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := summarize(ds)
	if s.p50 != 50*time.Millisecond || s.p99 != 99*time.Millisecond || s.max != 100*time.Millisecond {
		t.Errorf("summarize(1..100ms) = %+v", s)
	}
	one := []time.Duration{7}
	if percentile(one, 50) != 7 || percentile(one, 99) != 7 {
		t.Error("a single value is every percentile")
	}
	if percentile(nil, 99) != 0 {
		t.Error("no values: want 0")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		in := append([]float64(nil), c.xs...)
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", in, got, c.want)
		}
		for i := range in {
			if in[i] != c.xs[i] {
				t.Errorf("median changed its input: %v", c.xs)
			}
		}
	}
}

func TestLedgerFindsLostDuplicatedAndMisroutedMessages(t *testing.T) {
	probs := &problems{}
	l := newLedger(probs)
	for _, cid := range []string{"a", "b", "c"} {
		l.sending(cid, 0)
		l.answered(cid, nil)
	}
	now := time.Now()
	l.widgetGot("a", 0, now)
	l.agentGot("a", now)
	if err := probs.err(); err != nil {
		t.Fatalf("a clean delivery is no problem: %v", err)
	}
	l.widgetGot("a", 0, now) // duplicate
	l.widgetGot("b", 1, now) // another conversation's socket
	l.widgetGot("x", 0, now) // never sent
	l.check(1, false)        // b and c never reached widget 0
	if probs.n != 4 {
		t.Errorf("want 4 problems, got %v", probs.err())
	}
}
