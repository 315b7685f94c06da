package delivery

import (
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// observed records what the worker tells its Metrics.
type observed struct {
	events  []string
	latency []time.Duration
}

func (o *observed) metrics() Metrics {
	return Metrics{
		Outcome:  func(ch conversation.Channel, outcome string) { o.events = append(o.events, string(ch)+" "+outcome) },
		Failed:   func(ch conversation.Channel, class string) { o.events = append(o.events, "class "+class) },
		Accepted: func(_ conversation.Channel, d time.Duration) { o.latency = append(o.latency, d) },
		Retried:  func(reason string) { o.events = append(o.events, "retry "+reason) },
		Snoozed:  func(reason string) { o.events = append(o.events, "snooze "+reason) },
	}
}

// R38: the worker tells what becomes of each reply — retried by class, put
// off behind an earlier one, sent with its latency from commit, failed by
// class — in the words the operators' metrics use.
func TestWorkerReportsOutcomes(t *testing.T) {
	b := newWorkBench()
	var o observed
	b.worker.s.Metrics = o.metrics()
	first := b.reply(1, "first", 3*time.Second)
	second := b.reply(1, "second", time.Second)

	b.adapter.script = []error{unavailable}
	_ = b.work(first, 1, 0)
	_ = b.work(second, 1, 0)
	_ = b.work(first, 2, 0)
	b.adapter.script = []error{&meta.Error{HTTPStatus: 400, Code: 131026, Message: "Message undeliverable"}}
	_ = b.work(second, 1, 1)

	want := []string{"retry transient", "snooze behind", "WHATSAPP sent", "WHATSAPP failed", "class permanent"}
	if !slices.Equal(o.events, want) {
		t.Errorf("observed %q, want %q", o.events, want)
	}
	if !slices.Equal(o.latency, []time.Duration{3 * time.Second}) {
		t.Errorf("latency %v, want the first reply's 3s since its commit", o.latency)
	}
}
