package delivery

import (
	"context"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// choiceForm is one native way a channel shows reply choices, with the
// limits its platform sets (characters, as Meta counts them).
type choiceForm struct {
	form conversation.ChoiceForm
	// Choices at most; Title and ID the longest title and id of one;
	// Body the longest text the message may carry with them (0: the
	// channel's own limit).
	choices, title, id, body int
}

// choiceForms is, per channel, its native forms for reply choices, best
// first (R32). A reply takes the first form its choices fit; choices that
// fit none go as numbered text. Meta's limits:
//   - WhatsApp reply buttons: up to 3, title 20, id 256, body 1,024;
//     list messages: up to 10 rows, row title 24, row id 200, body 4,096
//     (developers.facebook.com/docs/whatsapp/cloud-api/messages/
//     interactive-reply-buttons-messages and …/interactive-list-messages).
//   - Messenger and Instagram quick replies: up to 13, title 20, payload
//     1,000 (developers.facebook.com/docs/messenger-platform/
//     send-messages/quick-replies; …/instagram/features/quick-replies).
//
// The widget draws its own buttons: any offer that passes
// conversation.CheckChoices fits.
var choiceForms = map[conversation.Channel][]choiceForm{
	conversation.ChannelWhatsApp: {
		{form: conversation.ChoiceButtons, choices: 3, title: 20, id: 256, body: 1024},
		{form: conversation.ChoiceList, choices: 10, title: 24, id: 200, body: 4096},
	},
	conversation.ChannelMessenger: {
		{form: conversation.ChoiceQuickReplies, choices: 13, title: 20, id: 1000},
	},
	conversation.ChannelInstagram: {
		{form: conversation.ChoiceQuickReplies, choices: 13, title: 20, id: 1000},
	},
	conversation.ChannelWebWidget: {
		{form: conversation.ChoiceButtons, choices: conversation.MaxChoices, title: 1 << 10, id: 1 << 10},
	},
}

// formFor is the form in which ch shows choices offered with text; none
// for no choices.
func formFor(ch conversation.Channel, text string, choices []conversation.Choice) conversation.ChoiceForm {
	if len(choices) == 0 {
		return ""
	}
	for _, f := range choiceForms[ch] {
		if f.fits(text, choices) {
			return f.form
		}
	}
	return conversation.ChoiceNumbered
}

func (f choiceForm) fits(text string, choices []conversation.Choice) bool {
	if len(choices) > f.choices || f.body > 0 && utf8.RuneCountInString(text) > f.body {
		return false
	}
	for _, c := range choices {
		if utf8.RuneCountInString(c.Title) > f.title || utf8.RuneCountInString(c.ID) > f.id {
			return false
		}
	}
	return true
}

// sentText is the text a reply goes out as: with its choices as numbered
// lines where its channel shows them as none of its forms.
func sentText(m *conversation.Message) string {
	if m.Form == conversation.ChoiceNumbered {
		return conversation.Numbered(m.Text, m.Choices)
	}
	return m.Text
}

// ListSender sends a list message: the adapters of channels whose forms
// include ChoiceList (WhatsApp).
type ListSender interface {
	SendList(ctx context.Context, c channel.Credentials, p channel.Prompt) (channel.Sent, error)
}

// TemplateSender sends WhatsApp templates (R33): the WhatsApp adapter.
type TemplateSender interface {
	SendTemplate(ctx context.Context, c channel.Credentials, t channel.TemplateMessage) (channel.Sent, error)
}

// sendReply sends m to id: the template it carries, or its text in the
// form chosen for its choices when it was queued.
func sendReply(ctx context.Context, adapter channel.Adapter, creds channel.Credentials, id *conversation.Identity, m *conversation.Message, win Window) (channel.Sent, error) {
	if t := m.Template; t != nil {
		if ts, ok := adapter.(TemplateSender); ok {
			return ts.SendTemplate(ctx, creds, channel.TemplateMessage{To: id.ExternalID, Name: t.Name, Language: t.Language, Parameters: t.Parameters})
		}
		return channel.Sent{}, &meta.Error{Code: 100, Message: "the " + string(m.Channel) + " adapter sends no templates"}
	}
	p := channel.Prompt{To: id.ExternalID, Body: m.Text, HumanAgent: win.HumanAgent}
	for _, c := range m.Choices {
		p.Choices = append(p.Choices, channel.Choice{ID: c.ID, Title: c.Title})
	}
	switch m.Form {
	case conversation.ChoiceButtons, conversation.ChoiceQuickReplies:
		return adapter.SendPrompt(ctx, creds, p)
	case conversation.ChoiceList:
		if l, ok := adapter.(ListSender); ok {
			return l.SendList(ctx, creds, p)
		}
		// Meta's own answer to a form the channel lacks: permanent.
		return channel.Sent{}, &meta.Error{Code: 100, Message: "the " + string(m.Channel) + " adapter sends no list messages"}
	}
	return adapter.SendText(ctx, creds, channel.Text{To: id.ExternalID, Body: sentText(m), HumanAgent: win.HumanAgent})
}
