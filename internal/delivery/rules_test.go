package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// R17: the customer-service window runs 24 hours from the end user's last
// message; Messenger and Instagram allow tagged human-agent replies for 7
// days; nothing goes to someone who never wrote.
func TestWindows(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	for _, tc := range []struct {
		ch         conversation.Channel
		last       *time.Time
		open, tag  bool
		untilAfter time.Duration
	}{
		{conversation.ChannelWhatsApp, at(time.Hour), true, false, 23 * time.Hour},
		{conversation.ChannelWhatsApp, at(25 * time.Hour), false, false, 0},
		{conversation.ChannelMessenger, at(time.Hour), true, false, 23 * time.Hour},
		{conversation.ChannelMessenger, at(3 * 24 * time.Hour), true, true, 4 * 24 * time.Hour},
		{conversation.ChannelInstagram, at(8 * 24 * time.Hour), false, true, 0},
		{conversation.ChannelWhatsApp, nil, false, false, 0},
	} {
		w := WindowOf(&conversation.Identity{Channel: tc.ch, LastInboundAt: tc.last}, now)
		if w.Open(now) != tc.open || w.HumanAgent != tc.tag {
			t.Errorf("%s, last %v: open %v tag %v", tc.ch, tc.last, w.Open(now), w.HumanAgent)
		}
		if tc.open && w.Until.Sub(now) != tc.untilAfter {
			t.Errorf("%s: until %v", tc.ch, w.Until)
		}
	}
}

// R17: each channel's own limit, in its own unit.
func TestLengthLimits(t *testing.T) {
	for _, tc := range []struct {
		ch   conversation.Channel
		text string
		ok   bool
	}{
		{conversation.ChannelWhatsApp, strings.Repeat("é", 4096), true},
		{conversation.ChannelWhatsApp, strings.Repeat("é", 4097), false},
		{conversation.ChannelMessenger, strings.Repeat("a", 2000), true},
		{conversation.ChannelMessenger, strings.Repeat("a", 2001), false},
		{conversation.ChannelInstagram, strings.Repeat("a", 1000), true},
		{conversation.ChannelInstagram, strings.Repeat("é", 501), false}, // 1,002 bytes
		{conversation.ChannelWebWidget, strings.Repeat("a", 9000), true},
	} {
		err := checkLength(tc.ch, tc.text)
		if (err == nil) != tc.ok || err != nil && apperr.CodeOf(err) != CodeTooLong {
			t.Errorf("%s, %d bytes: %v", tc.ch, len(tc.text), err)
		}
	}
}

// R18: delivery states only move forward; failed only before delivery.
func TestStatesMoveForward(t *testing.T) {
	q, s, d, r, f := conversation.DeliveryQueued, conversation.DeliverySent, conversation.DeliveryDelivered, conversation.DeliveryRead, conversation.DeliveryFailed
	for _, tc := range []struct {
		from, to conversation.DeliveryState
		ok       bool
	}{
		{q, s, true}, {s, d, true}, {d, r, true}, {q, r, true}, {s, r, true},
		{r, d, false}, {d, s, false}, {s, s, false}, {r, r, false},
		{q, f, true}, {s, f, true}, {d, f, false}, {r, f, false}, {f, r, false},
	} {
		if got := advances(tc.from, tc.to); got != tc.ok {
			t.Errorf("%s → %s: %v", tc.from, tc.to, got)
		}
	}
}

// R17, R18: a send records the platform's id once; reports kept because
// they overtook it apply with it, in order, never backwards; a failure
// keeps its reason; nothing changed is reported as such.
func TestMoving(t *testing.T) {
	q, s, d, r, f := conversation.DeliveryQueued, conversation.DeliverySent, conversation.DeliveryDelivered, conversation.DeliveryRead, conversation.DeliveryFailed
	for _, tc := range []struct {
		name    string
		from    conversation.DeliveryState
		ext     string
		u       conversation.DeliveryUpdate
		kept    []conversation.DeliveryReport
		want    conversation.DeliveryState
		wantExt string
		reason  string
		changed bool
	}{
		{"sent", q, "", conversation.DeliveryUpdate{State: s, SentAs: "wamid.1"}, nil, s, "wamid.1", "", true},
		{"sent, read reported first", q, "", conversation.DeliveryUpdate{State: s, SentAs: "wamid.1"}, []conversation.DeliveryReport{{State: r}, {State: d}}, r, "wamid.1", "", true},
		{"sent again by a retried job", s, "wamid.1", conversation.DeliveryUpdate{State: s, SentAs: "wamid.2"}, nil, s, "wamid.1", "", false},
		{"read, then delivered", r, "wamid.1", conversation.DeliveryUpdate{State: d}, nil, r, "wamid.1", "", false},
		{"failed with its reason", s, "wamid.1", conversation.DeliveryUpdate{State: f, Error: "window closed"}, nil, f, "wamid.1", "window closed", true},
		{"failed after delivery", d, "wamid.1", conversation.DeliveryUpdate{State: f, Error: "late"}, nil, d, "wamid.1", "", false},
	} {
		m := &conversation.Message{DeliveryState: tc.from, ExternalID: tc.ext}
		changed := moving(tc.u).Apply(m, tc.kept)
		if changed != tc.changed || m.DeliveryState != tc.want || m.ExternalID != tc.wantExt || m.DeliveryError != tc.reason {
			t.Errorf("%s: changed %v, %+v", tc.name, changed, m)
		}
	}
	if u := moving(conversation.DeliveryUpdate{IdentityID: 3, State: r}); len(u.Among) != 2 {
		t.Errorf("a watermark reaches %v", u.Among)
	}
}
