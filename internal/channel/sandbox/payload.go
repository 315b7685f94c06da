package sandbox

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// The webhook bodies a phone makes Meta send, in the shapes of Meta's
// references (and of the adapters' testdata): WhatsApp's
// whatsapp_business_account changes, and the Messenger Platform's
// entry[].messaging[] events that Messenger ("page") and Instagram share.

type waWebhook struct {
	Object string    `json:"object"`
	Entry  []waEntry `json:"entry"`
}

type waEntry struct {
	// ID is the WhatsApp Business Account's id.
	ID      string     `json:"id"`
	Changes []waChange `json:"changes"`
}

type waChange struct {
	Field string  `json:"field"`
	Value waValue `json:"value"`
}

type waValue struct {
	MessagingProduct string      `json:"messaging_product"`
	Metadata         waMetadata  `json:"metadata"`
	Contacts         []waContact `json:"contacts,omitempty"`
	Messages         []waMessage `json:"messages,omitempty"`
	Statuses         []waStatus  `json:"statuses,omitempty"`
}

type waMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type waContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

type waMessage struct {
	// Context names the message replied to: the prompt of a tapped
	// button.
	Context     *waContext     `json:"context,omitempty"`
	From        string         `json:"from,omitempty"`
	FromUserID  string         `json:"from_user_id,omitempty"`
	ID          string         `json:"id"`
	Timestamp   string         `json:"timestamp"`
	Type        string         `json:"type"`
	Text        *waText        `json:"text,omitempty"`
	Interactive *waInteractive `json:"interactive,omitempty"`
	// A file or place a phone sent (see phonemedia.go).
	Image    *waInMedia  `json:"image,omitempty"`
	Video    *waInMedia  `json:"video,omitempty"`
	Audio    *waInMedia  `json:"audio,omitempty"`
	Document *waInMedia  `json:"document,omitempty"`
	Sticker  *waInMedia  `json:"sticker,omitempty"`
	Location *waLocation `json:"location,omitempty"`
}

type waContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

type waText struct {
	Body string `json:"body"`
}

type waInteractive struct {
	Type        string  `json:"type"`
	ButtonReply *choice `json:"button_reply,omitempty"`
	ListReply   *choice `json:"list_reply,omitempty"`
}

type waStatus struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	Timestamp       string `json:"timestamp"`
	RecipientID     string `json:"recipient_id,omitempty"`
	RecipientUserID string `json:"recipient_user_id,omitempty"`
}

// waUser splits a WhatsApp user id as the Cloud API does: a phone number
// (wa_id), or a business-scoped user id, which has a dot.
func waUser(user string) (waID, userID string) {
	if strings.Contains(user, ".") {
		return "", user
	}
	return user, ""
}

// whatsappWebhook wraps v in the change that carries messages and statuses.
func whatsappWebhook(it Integration, v waValue) []byte {
	v.MessagingProduct = "whatsapp"
	v.Metadata = waMetadata{DisplayPhoneNumber: it.Handle, PhoneNumberID: it.BusinessID}
	// A sandbox has no WhatsApp Business Account; its number's id stands
	// in for the account's.
	return marshal(waWebhook{Object: "whatsapp_business_account", Entry: []waEntry{
		{ID: it.BusinessID, Changes: []waChange{{Field: "messages", Value: v}}},
	}})
}

func waSeconds(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

type mpWebhook struct {
	Object string    `json:"object"`
	Entry  []mpEntry `json:"entry"`
}

type mpEntry struct {
	// ID is the Page or Instagram account's id.
	ID        string    `json:"id"`
	Time      int64     `json:"time"`
	Messaging []mpEvent `json:"messaging"`
}

type mpEvent struct {
	Sender    mpID        `json:"sender"`
	Recipient mpID        `json:"recipient"`
	Timestamp int64       `json:"timestamp"`
	Message   *mpMessage  `json:"message,omitempty"`
	Referral  *mpReferral `json:"referral,omitempty"`
	Delivery  *mpDelivery `json:"delivery,omitempty"`
	Read      *mpRead     `json:"read,omitempty"`
}

type mpID struct {
	ID string `json:"id"`
}

type mpMessage struct {
	MID        string        `json:"mid"`
	Text       string        `json:"text"`
	QuickReply *mpQuickReply `json:"quick_reply,omitempty"`
	// Attachments are files and places a phone sent (see phonemedia.go).
	Attachments []mpAttachment `json:"attachments,omitempty"`
}

type mpQuickReply struct {
	Payload string `json:"payload"`
}

type mpReferral struct {
	Ref    string `json:"ref"`
	Source string `json:"source"`
	Type   string `json:"type"`
}

type mpDelivery struct {
	MIDs      []string `json:"mids"`
	Watermark int64    `json:"watermark"`
}

// mpRead has a watermark on Messenger, the read message's mid on
// Instagram.
type mpRead struct {
	MID       string `json:"mid,omitempty"`
	Watermark int64  `json:"watermark,omitempty"`
}

// messagingWebhook wraps events of user in one entry of the integration's
// object; their timestamps are at.
func messagingWebhook(it Integration, user string, at time.Time, events ...mpEvent) []byte {
	object, ms := "page", at.UnixMilli()
	if it.Channel == conversation.ChannelInstagram {
		object = "instagram"
	}
	for i := range events {
		events[i].Sender, events[i].Recipient, events[i].Timestamp = mpID{user}, mpID{it.BusinessID}, ms
	}
	return marshal(mpWebhook{Object: object, Entry: []mpEntry{{ID: it.BusinessID, Time: ms, Messaging: events}}})
}

func marshal(v any) []byte {
	// Only strings, numbers and structs of them: encoding cannot fail.
	b, _ := json.Marshal(v)
	return b
}

// inboundWebhook is the webhook of l, a message the user wrote under name, or the
// tap of r when r is set.
func inboundWebhook(it Integration, user, name string, l line, r *reply) []byte {
	if it.Channel != conversation.ChannelWhatsApp {
		m := &mpMessage{MID: l.ID, Text: l.Text}
		if r != nil {
			m.QuickReply = &mpQuickReply{Payload: r.choice.ID}
		}
		return messagingWebhook(it, user, l.Time, mpEvent{Message: m})
	}
	waID, userID := waUser(user)
	m := waMessage{From: waID, FromUserID: userID, ID: l.ID, Timestamp: waSeconds(l.Time), Type: "text", Text: &waText{Body: l.Text}}
	if r != nil {
		m.Type, m.Text = "interactive", nil
		m.Context = &waContext{From: it.Handle, ID: r.prompt}
		m.Interactive = &waInteractive{Type: "button_reply", ButtonReply: &r.choice}
		if r.list {
			m.Interactive = &waInteractive{Type: "list_reply", ListReply: &r.choice}
		}
	}
	c := waContact{WaID: waID, UserID: userID}
	c.Profile.Name = name
	return whatsappWebhook(it, waValue{Contacts: []waContact{c}, Messages: []waMessage{m}})
}

// referralWebhook is the webhook of an m.me or ig.me link with ref opened at at.
// WhatsApp has none: a wa.me link only prefills a message.
func referralWebhook(it Integration, user, ref string, at time.Time) []byte {
	source := "SHORTLINK"
	if it.Channel == conversation.ChannelInstagram {
		source = "IGME_SOURCE_LINK"
	}
	return messagingWebhook(it, user, at, mpEvent{Referral: &mpReferral{Ref: ref, Source: source, Type: "OPEN_THREAD"}})
}

// deliveryWebhooks are what Meta reports, in order, after it took l for user:
// WhatsApp sent then delivered, Messenger a delivery. Instagram sends no
// delivery events.
func deliveryWebhooks(it Integration, user string, l line) [][]byte {
	switch it.Channel {
	case conversation.ChannelWhatsApp:
		return [][]byte{
			whatsappWebhook(it, waValue{Statuses: []waStatus{waStatusOf(user, l.ID, "sent", l.Time)}}),
			whatsappWebhook(it, waValue{Statuses: []waStatus{waStatusOf(user, l.ID, "delivered", l.Time)}}),
		}
	case conversation.ChannelMessenger:
		return [][]byte{messagingWebhook(it, user, l.Time, mpEvent{Delivery: &mpDelivery{MIDs: []string{l.ID}, Watermark: l.Time.UnixMilli()}})}
	}
	return nil
}

// readWebhook is the webhook of user reading the messages ids at at: a
// status per message on WhatsApp, a watermark on Messenger, an event per
// mid on Instagram.
func readWebhook(it Integration, user string, ids []string, at time.Time) []byte {
	switch it.Channel {
	case conversation.ChannelWhatsApp:
		statuses := make([]waStatus, len(ids))
		for i, id := range ids {
			statuses[i] = waStatusOf(user, id, "read", at)
		}
		return whatsappWebhook(it, waValue{Statuses: statuses})
	case conversation.ChannelMessenger:
		return messagingWebhook(it, user, at, mpEvent{Read: &mpRead{Watermark: at.UnixMilli()}})
	}
	events := make([]mpEvent, len(ids))
	for i, id := range ids {
		events[i] = mpEvent{Read: &mpRead{MID: id}}
	}
	return messagingWebhook(it, user, at, events...)
}

func waStatusOf(user, id, status string, at time.Time) waStatus {
	waID, userID := waUser(user)
	return waStatus{ID: id, Status: status, Timestamp: waSeconds(at), RecipientID: waID, RecipientUserID: userID}
}
