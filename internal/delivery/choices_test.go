package delivery

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

func titled(n, length int) []conversation.Choice {
	cs := make([]conversation.Choice, n)
	for i := range cs {
		title := fmt.Sprint(i+1, " ")
		cs[i] = conversation.Choice{ID: fmt.Sprint("c", i), Title: title + strings.Repeat("t", length-len(title))}
	}
	return cs
}

// R32: each channel's choices take its first native form they fit, by
// count, title, id and body length, and numbered text beyond them.
func TestFormFor(t *testing.T) {
	const (
		wa, fb, ig, web = conversation.ChannelWhatsApp, conversation.ChannelMessenger, conversation.ChannelInstagram, conversation.ChannelWebWidget
	)
	longID := titled(2, 10)
	longID[0].ID = strings.Repeat("i", 201)
	for _, tc := range []struct {
		ch      conversation.Channel
		text    string
		choices []conversation.Choice
		want    conversation.ChoiceForm
	}{
		{wa, "?", nil, ""},
		{wa, "?", titled(3, 20), conversation.ChoiceButtons},
		{wa, "?", titled(4, 20), conversation.ChoiceList},
		{wa, "?", titled(3, 21), conversation.ChoiceList},
		{wa, "?", titled(10, 24), conversation.ChoiceList},
		{wa, "?", titled(11, 5), conversation.ChoiceNumbered},
		{wa, "?", titled(2, 25), conversation.ChoiceNumbered},
		{wa, strings.Repeat("b", 1025), titled(2, 5), conversation.ChoiceList},
		{wa, strings.Repeat("b", 4097), titled(2, 5), conversation.ChoiceNumbered},
		{wa, "?", longID, conversation.ChoiceButtons},
		{fb, "?", titled(13, 20), conversation.ChoiceQuickReplies},
		{fb, "?", titled(14, 5), conversation.ChoiceNumbered},
		{fb, "?", titled(2, 21), conversation.ChoiceNumbered},
		{ig, "?", titled(13, 20), conversation.ChoiceQuickReplies},
		{ig, "?", titled(2, 21), conversation.ChoiceNumbered},
		{web, "?", titled(conversation.MaxChoices, 80), conversation.ChoiceButtons},
	} {
		if got := formFor(tc.ch, tc.text, tc.choices); got != tc.want {
			t.Errorf("%s, %d choices: %q, want %q", tc.ch, len(tc.choices), got, tc.want)
		}
	}
}

// choiceAdapter records how each reply was sent.
type choiceAdapter struct {
	channel.Adapter
	sent []string
}

func (a *choiceAdapter) SendText(_ context.Context, _ channel.Credentials, t channel.Text) (channel.Sent, error) {
	a.sent = append(a.sent, fmt.Sprintf("text %q tag=%v", t.Body, t.HumanAgent))
	return channel.Sent{}, nil
}

func (a *choiceAdapter) SendPrompt(_ context.Context, _ channel.Credentials, p channel.Prompt) (channel.Sent, error) {
	a.sent = append(a.sent, fmt.Sprintf("prompt %d tag=%v", len(p.Choices), p.HumanAgent))
	return channel.Sent{}, nil
}

type listAdapter struct{ *choiceAdapter }

func (a listAdapter) SendList(_ context.Context, _ channel.Credentials, p channel.Prompt) (channel.Sent, error) {
	a.sent = append(a.sent, fmt.Sprintf("list %d", len(p.Choices)))
	return channel.Sent{}, nil
}

// R32: a reply leaves in the form chosen when it was queued; a channel
// without lists cannot send one.
func TestSendReplyForms(t *testing.T) {
	ctx, to := context.Background(), &conversation.Identity{ExternalID: "u"}
	rec := &choiceAdapter{}
	for _, m := range []*conversation.Message{
		{Text: "plain"},
		{Text: "q", Choices: titled(2, 5), Form: conversation.ChoiceButtons},
		{Text: "q", Choices: titled(2, 5), Form: conversation.ChoiceQuickReplies},
		{Text: "q", Choices: titled(2, 5), Form: conversation.ChoiceList},
		{Text: "q", Choices: titled(2, 5), Form: conversation.ChoiceNumbered},
	} {
		if _, err := sendReply(ctx, listAdapter{rec}, channel.Credentials{}, to, m, Window{HumanAgent: true}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{`text "plain" tag=true`, "prompt 2 tag=true", "prompt 2 tag=true", "list 2", `text "q\n\n1. 1 ttt\n2. 2 ttt" tag=true`}
	if fmt.Sprint(rec.sent) != fmt.Sprint(want) {
		t.Errorf("sent %q\nwant %q", rec.sent, want)
	}
	m := &conversation.Message{Text: "q", Choices: titled(2, 5), Form: conversation.ChoiceList}
	if _, err := sendReply(ctx, &choiceAdapter{}, channel.Credentials{}, to, m, Window{}); err == nil {
		t.Error("a list went through an adapter without lists")
	}
}
