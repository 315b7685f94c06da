package delivery

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// PairLimit bounds the sends from one integration to one recipient: at
// most Sends attempts in any Per. Meta limits each business–user pair
// (WhatsApp's is about one message every 6 seconds, bursts allowed and
// paid back with an equal wait, error 131056); an agent pasting a run of
// replies would otherwise meet it and be retried into it again and again.
// Replies over the limit snooze, costing no attempt, until the oldest send
// in the window leaves it. Replies to one recipient already go out one at a
// time, in order (R34), so counting past attempts is enough.
type PairLimit struct {
	Sends int
	Per   time.Duration
}

// DefaultPairLimit is WhatsApp's pair rate (one per 6 s) averaged over a
// minute: ten replies may leave together, well inside the burst Meta
// allows, and a longer run is paced to the rate Meta sustains. Messenger
// and Instagram publish no pair limit; the same pace keeps them far from
// their per-Page limits.
var DefaultPairLimit = PairLimit{Sends: 10, Per: time.Minute}

// On reports whether the limit applies.
func (l PairLimit) On() bool { return l.Sends > 0 && l.Per > 0 }

// Wait is how long a send at now must wait, given when earlier sends to the
// same recipient began (oldest first): zero when fewer than Sends began in
// the last Per, else until enough of them have left the window.
func (l PairLimit) Wait(now time.Time, sends []time.Time) time.Duration {
	if !l.On() {
		return 0
	}
	var recent []time.Time
	for _, at := range sends {
		if now.Sub(at) < l.Per {
			recent = append(recent, at)
		}
	}
	if len(recent) < l.Sends {
		return 0
	}
	// The send that must leave the window for this one to fit.
	return recent[len(recent)-l.Sends].Add(l.Per).Sub(now)
}

// throttled is how long a send to id must wait under the pair limit.
func (w *Worker) throttled(ctx context.Context, id *conversation.Identity) (time.Duration, error) {
	if !w.pair.On() {
		return 0, nil
	}
	now := w.s.now()
	sends, err := w.sends.SendsTo(ctx, id.AccountID, id.ID, now.Add(-w.pair.Per))
	if err != nil {
		return 0, err
	}
	return w.pair.Wait(now, sends), nil
}
