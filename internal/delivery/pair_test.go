package delivery

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// R17, R24: at most Sends sends to one recipient in any Per; one over the
// limit waits until the oldest that blocks it leaves the window.
func TestPairLimitWait(t *testing.T) {
	l := PairLimit{Sends: 3, Per: 10 * time.Second}
	now := workNow
	ago := func(d ...time.Duration) []time.Time {
		out := make([]time.Time, len(d))
		for i, x := range d {
			out[i] = now.Add(-x)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		sends []time.Time
		want  time.Duration
	}{
		{"none", nil, 0},
		{"under the limit", ago(5*time.Second, time.Second), 0},
		{"at the limit", ago(8*time.Second, 5*time.Second, time.Second), 2 * time.Second},
		{"older sends left the window", ago(30*time.Second, 10*time.Second, 5*time.Second, time.Second), 0},
		{"over the limit", ago(9*time.Second, 8*time.Second, 5*time.Second, time.Second), 2 * time.Second},
	} {
		if got := l.Wait(now, tc.sends); got != tc.want {
			t.Errorf("%s: wait %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := (PairLimit{}).Wait(now, ago(time.Second, time.Second, time.Second)); got != 0 {
		t.Errorf("no limit: wait %s", got)
	}
}

// R17: a reply over the pair limit snoozes, spending no attempt and
// sending nothing, and goes out once the window has room.
func TestPairLimitSnoozes(t *testing.T) {
	b := newWorkBench()
	b.worker = NewWorker(b.worker.s, b.sends, b.queue, PairLimit{Sends: 2, Per: time.Minute})
	b.sends.recent = []time.Time{workNow.Add(-50 * time.Second), workNow.Add(-10 * time.Second)}
	id := b.reply(1, "third in a minute", time.Second)
	if d, ok := snoozed(b.work(id, 1, 0)); !ok || d != 10*time.Second || len(b.adapter.sent) != 0 || b.state(id) != conversation.DeliveryQueued {
		t.Fatalf("over the limit: snooze %s %v, %d sends, %s", d, ok, len(b.adapter.sent), b.state(id))
	}
	b.sends.recent = b.sends.recent[1:]
	if err := b.work(id, 1, 1); err != nil || b.state(id) != conversation.DeliverySent {
		t.Fatalf("with room: %v, %s", err, b.state(id))
	}
	if b.sends.asked != 2 {
		t.Errorf("asked for the recipient's sends %d times", b.sends.asked)
	}
}
