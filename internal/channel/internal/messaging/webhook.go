package messaging

import (
	"encoding/json"
	"strconv"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
)

type entry struct {
	// ID is the Page id (Messenger) or Instagram account id.
	ID        string            `json:"id"`
	Messaging []json.RawMessage `json:"messaging"`
}

// event is one item of entry[].messaging[]; exactly one of its pointers
// is normally set. Kinds not listed here (reactions, edits, opt-ins,
// handover) are skipped.
type event struct {
	Sender struct {
		ID string `json:"id"`
	} `json:"sender"`
	Timestamp meta.Timestamp `json:"timestamp"`
	Message   *message       `json:"message"`
	Postback  *struct {
		MID      string    `json:"mid"`
		Title    string    `json:"title"`
		Payload  string    `json:"payload"`
		Referral *referral `json:"referral"`
	} `json:"postback"`
	Referral *referral `json:"referral"`
	Delivery *struct {
		MIDs      []string       `json:"mids"`
		Watermark meta.Timestamp `json:"watermark"`
	} `json:"delivery"`
	// Read has a watermark on Messenger and the read message's mid on
	// Instagram.
	Read *struct {
		MID       string         `json:"mid"`
		Watermark meta.Timestamp `json:"watermark"`
	} `json:"read"`
}

type message struct {
	MID        string `json:"mid"`
	Text       string `json:"text"`
	IsEcho     bool   `json:"is_echo"`
	IsDeleted  bool   `json:"is_deleted"`
	QuickReply *struct {
		Payload string `json:"payload"`
	} `json:"quick_reply"`
	// Attachments are files, places and shared posts (see media.go).
	Attachments []attachment `json:"attachments"`
	// Referral is set when the user wrote through a link or ad that
	// carries one.
	Referral *referral `json:"referral"`
}

type referral struct {
	Ref string `json:"ref"`
}

func (r *referral) ref() string {
	if r == nil {
		return ""
	}
	return r.Ref
}

// Kinds of inbound events beyond attachment types.
const (
	kindText        = "text"
	kindButton      = "button"
	kindReferral    = "referral"
	kindSticker     = "sticker"
	kindAttachment  = "attachment"
	kindUnsupported = "unsupported"
)

// Parse reads a Messenger Platform webhook of the adapter's object.
func (a *Adapter) Parse(body []byte) ([]channel.Event, error) {
	raws, err := meta.Entries(body, a.platform.Object)
	if err != nil {
		return nil, err
	}
	var events []channel.Event
	for _, en := range meta.Items[entry](raws) {
		for _, ev := range meta.Items[event](en.Messaging) {
			for _, e := range ev.events() {
				e.Business = en.ID
				events = append(events, e)
			}
		}
	}
	return events, nil
}

func (ev event) events() []channel.Event {
	user := ev.Sender.ID
	if user == "" {
		// Chat-plugin guests come as user_ref: no PSID to key on.
		return nil
	}
	switch {
	case ev.Message != nil:
		return ev.message(user)
	case ev.Postback != nil:
		p := ev.Postback
		return inbound(channel.Inbound{
			ExternalID: ev.idOr(p.MID, "postback"),
			From:       channel.Identity{ID: user},
			Kind:       kindButton, Text: p.Title, ChoiceID: p.Payload,
			Ref: p.Referral.ref(), Timestamp: ev.Timestamp.Time,
		})
	case ev.Referral != nil:
		return inbound(channel.Inbound{
			ExternalID: ev.idOr("", "ref"),
			From:       channel.Identity{ID: user},
			Kind:       kindReferral, Ref: ev.Referral.Ref, Timestamp: ev.Timestamp.Time,
		})
	case ev.Delivery != nil:
		return ev.statuses(channel.StateDelivered, ev.Delivery.MIDs, ev.Delivery.Watermark)
	case ev.Read != nil:
		var mids []string
		if ev.Read.MID != "" {
			mids = []string{ev.Read.MID}
		}
		return ev.statuses(channel.StateRead, mids, ev.Read.Watermark)
	}
	return nil
}

func (ev event) message(user string) []channel.Event {
	m := ev.Message
	// Echoes are the business's own sends; deletions carry nothing new.
	if m.IsEcho || m.IsDeleted || m.MID == "" {
		return nil
	}
	in := channel.Inbound{
		ExternalID: m.MID,
		From:       channel.Identity{ID: user},
		Kind:       kindText, Text: m.Text,
		Ref: m.Referral.ref(), Timestamp: ev.Timestamp.Time,
	}
	switch {
	case m.QuickReply != nil:
		in.Kind, in.ChoiceID = kindButton, m.QuickReply.Payload
	case len(m.Attachments) > 0:
		attach(&in, m.Attachments)
	case m.Text == "":
		in.Kind, in.Text = kindUnsupported, "["+kindUnsupported+"]"
	}
	return inbound(in)
}

// statuses reports each named message and, with a watermark, every
// message sent to the user up to it.
func (ev event) statuses(state channel.DeliveryState, mids []string, watermark meta.Timestamp) []channel.Event {
	var out []channel.Event
	for _, mid := range mids {
		out = append(out, channel.Event{Status: &channel.Status{
			ExternalID: mid, State: state, Timestamp: ev.Timestamp.Time,
		}})
	}
	if !watermark.IsZero() {
		out = append(out, channel.Event{Status: &channel.Status{
			Recipient: ev.Sender.ID, Watermark: watermark.Time, State: state, Timestamp: ev.Timestamp.Time,
		}})
	}
	return out
}

// idOr returns mid, or for events without one an id made of what the
// payload says, so that Meta's retries of it map to the same id (R18).
func (ev event) idOr(mid, kind string) string {
	if mid != "" {
		return mid
	}
	return kind + ":" + ev.Sender.ID + ":" + strconv.FormatInt(ev.Timestamp.UnixMilli(), 10)
}

func inbound(in channel.Inbound) []channel.Event {
	return []channel.Event{{Message: &in}}
}
