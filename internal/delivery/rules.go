// Package delivery carries agent replies to the channel they are for
// (R11, R14, R17): it routes a reply, checks it against what the
// destination can carry and against the channel's messaging window, queues
// it as a durable River job in the reply's own transaction, sends it
// through the channel's adapter with retries decided by Meta's error
// classes, and moves its delivery state forward as reports arrive. Replies
// to one conversation on one channel leave in the order written, and each
// attempt to send is recorded so that a run after a crash neither repeats a
// send it can prove nor hides one it cannot (R34; see order.go).
package delivery

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// Error codes of refused replies.
const (
	// CodeWindowClosed: the channel's messaging window has closed; only
	// the end user writing again reopens it.
	CodeWindowClosed apperr.Code = "WINDOW_CLOSED"
	// CodeTooLong: the reply is longer than its destination carries.
	CodeTooLong apperr.Code = "MESSAGE_TOO_LONG"
)

// The customer-service window: free-form replies within 24 hours of the
// end user's last message; Messenger and Instagram allow a human agent's
// reply, tagged, for 7 days.
const (
	serviceWindow    = 24 * time.Hour
	humanAgentWindow = 7 * 24 * time.Hour
)

// Window says until when a channel takes a free-form reply.
type Window struct {
	Channel conversation.Channel
	// Until is when the window closes; nil when the end user never wrote
	// on the channel (nothing may be sent).
	Until *time.Time
	// HumanAgent: past the 24 hours, replies go out with the HUMAN_AGENT
	// tag (Messenger, Instagram).
	HumanAgent bool
}

// Open reports whether a reply can be sent at now.
func (w Window) Open(now time.Time) bool { return w.Until != nil && now.Before(*w.Until) }

// WindowOf is the window of an identity at now.
func WindowOf(id *conversation.Identity, now time.Time) Window {
	w := Window{Channel: id.Channel}
	if id.LastInboundAt == nil {
		return w
	}
	until := id.LastInboundAt.Add(serviceWindow)
	if !now.Before(until) && id.Channel != conversation.ChannelWhatsApp {
		until, w.HumanAgent = id.LastInboundAt.Add(humanAgentWindow), true
	}
	w.Until = &until
	return w
}

// checkLength refuses text longer than the channel carries: WhatsApp 4,096
// characters, Messenger 2,000 characters, Instagram 1,000 bytes of UTF-8.
func checkLength(ch conversation.Channel, text string) error {
	var n, limit int
	unit := "characters"
	switch ch {
	case conversation.ChannelWhatsApp:
		n, limit = utf8.RuneCountInString(text), 4096
	case conversation.ChannelMessenger:
		n, limit = utf8.RuneCountInString(text), 2000
	case conversation.ChannelInstagram:
		n, limit, unit = len(text), 1000, "bytes"
	default:
		return nil
	}
	if n > limit {
		return &apperr.Error{Code: CodeTooLong, Field: "text", Message: fmt.Sprintf("text is %d %s; %s carries at most %d", n, unit, ch, limit)}
	}
	return nil
}

// moving is the write of u: it moves each message it names as u says.
func moving(u conversation.DeliveryUpdate) conversation.DeliveryUpdate {
	if u.IdentityID != 0 {
		// A watermark reaches only what was sent and not yet read.
		u.Among = []conversation.DeliveryState{conversation.DeliverySent, conversation.DeliveryDelivered}
	}
	u.Apply = func(m *conversation.Message, kept []conversation.DeliveryReport) bool {
		before := *m
		if u.SentAs != "" && m.ExternalID == "" {
			m.ExternalID = u.SentAs
		}
		advance(m, u.State, u.Error)
		// Reports that overtook the recording of the send apply now,
		// in the order they came (R18).
		for _, r := range kept {
			advance(m, r.State, r.Error)
		}
		return m.DeliveryState != before.DeliveryState || m.DeliveryError != before.DeliveryError || m.ExternalID != before.ExternalID
	}
	return u
}

// advance moves m to state, if states allow it, with the reason of a
// failure.
func advance(m *conversation.Message, state conversation.DeliveryState, reason string) {
	if !advances(m.DeliveryState, state) {
		return
	}
	m.DeliveryState = state
	if reason != "" {
		m.DeliveryError = reason
	}
}

// advances reports whether a message in state from may move to to: only
// forward (queued < sent < delivered < read), so that reports arriving out
// of order never move it back (read is never followed by delivered); failed
// is final, and comes only before delivery (R17, R18).
func advances(from, to conversation.DeliveryState) bool {
	if from == conversation.DeliveryFailed {
		return false
	}
	if to == conversation.DeliveryFailed {
		return from == conversation.DeliveryQueued || from == conversation.DeliverySent || from == conversation.DeliveryHeld
	}
	return rank(to) > rank(from)
}

func rank(s conversation.DeliveryState) int {
	switch s {
	case conversation.DeliveryQueued:
		return 0
	case conversation.DeliverySent:
		return 1
	case conversation.DeliveryDelivered:
		return 2
	case conversation.DeliveryRead:
		return 3
	}
	return -1
}
