package whatsapp

import (
	"cmp"
	"encoding/json"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
)

// object is the webhook object of WhatsApp.
const object = "whatsapp_business_account"

// fieldMessages is the change field that carries messages and statuses;
// other fields (templates, account updates) are skipped.
const fieldMessages = "messages"

type entry struct {
	Changes []json.RawMessage `json:"changes"`
}

type change struct {
	Field string `json:"field"`
	Value struct {
		Metadata struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []json.RawMessage `json:"contacts"`
		Messages []json.RawMessage `json:"messages"`
		Statuses []json.RawMessage `json:"statuses"`
	} `json:"value"`
}

type contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

type message struct {
	// From is the phone number; users known only by BSUID have
	// FromUserID instead.
	From       string         `json:"from"`
	FromUserID string         `json:"from_user_id"`
	ID         string         `json:"id"`
	Timestamp  meta.Timestamp `json:"timestamp"`
	Type       string         `json:"type"`
	Text       struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive struct {
		ButtonReply *choice `json:"button_reply"`
		ListReply   *choice `json:"list_reply"`
	} `json:"interactive"`
	// Button is a tapped quick-reply button of a template.
	Button struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	// Media messages carry the file in the object named after their
	// type (see media.go).
	Image    *media    `json:"image"`
	Video    *media    `json:"video"`
	Audio    *media    `json:"audio"`
	Document *media    `json:"document"`
	Sticker  *media    `json:"sticker"`
	Location *location `json:"location"`
}

type status struct {
	ID          string         `json:"id"`
	Status      string         `json:"status"`
	Timestamp   meta.Timestamp `json:"timestamp"`
	RecipientID string         `json:"recipient_id"`
	Errors      []struct {
		Code    int    `json:"code"`
		Title   string `json:"title"`
		Message string `json:"message"`
	} `json:"errors"`
}

var states = map[string]channel.DeliveryState{
	"sent":      channel.StateSent,
	"delivered": channel.StateDelivered,
	"read":      channel.StateRead,
	"failed":    channel.StateFailed,
}

// Kinds of inbound messages beyond WhatsApp's own message types.
const (
	kindButton  = "button"
	kindUnknown = "unknown"
)

// Parse reads a WhatsApp webhook: every entry, every "messages" change.
func (a *Adapter) Parse(body []byte) ([]channel.Event, error) {
	raws, err := meta.Entries(body, object)
	if err != nil {
		return nil, err
	}
	var events []channel.Event
	for _, en := range meta.Items[entry](raws) {
		for _, ch := range meta.Items[change](en.Changes) {
			if ch.Field != fieldMessages {
				continue
			}
			business := ch.Value.Metadata.PhoneNumberID
			contacts := meta.Items[contact](ch.Value.Contacts)
			for _, m := range meta.Items[message](ch.Value.Messages) {
				if in := m.inbound(contacts); in != nil {
					events = append(events, channel.Event{Business: business, Message: in})
				}
			}
			for _, s := range meta.Items[status](ch.Value.Statuses) {
				if st := s.status(); st != nil {
					events = append(events, channel.Event{Business: business, Status: st})
				}
			}
		}
	}
	return events, nil
}

func (m message) inbound(contacts []contact) *channel.Inbound {
	user := cmp.Or(m.From, m.FromUserID)
	if m.ID == "" || user == "" {
		return nil
	}
	in := &channel.Inbound{
		ExternalID: m.ID,
		From:       channel.Identity{ID: user},
		Kind:       cmp.Or(m.Type, kindUnknown),
		Timestamp:  m.Timestamp.Time,
	}
	for _, c := range contacts {
		if m.From != "" && c.WaID == m.From || m.From == "" && c.UserID == m.FromUserID {
			in.From.Name = c.Profile.Name
		}
	}
	reply := cmp.Or(m.Interactive.ButtonReply, m.Interactive.ListReply)
	switch {
	case m.Type == "text":
		in.Text = m.Text.Body
	case m.Type == "interactive" && reply != nil:
		in.Kind, in.ChoiceID, in.Text = kindButton, reply.ID, reply.Title
	case m.Type == "button":
		in.Kind, in.ChoiceID, in.Text = kindButton, m.Button.Payload, m.Button.Text
	case m.attached(in):
	default:
		in.Text = "[" + in.Kind + "]"
	}
	return in
}

func (s status) status() *channel.Status {
	state, ok := states[s.Status]
	if !ok || s.ID == "" {
		return nil
	}
	st := &channel.Status{ExternalID: s.ID, State: state, Timestamp: s.Timestamp.Time}
	if len(s.Errors) > 0 {
		st.ErrorCode = s.Errors[0].Code
		st.ErrorTitle = cmp.Or(s.Errors[0].Title, s.Errors[0].Message)
	}
	return st
}
