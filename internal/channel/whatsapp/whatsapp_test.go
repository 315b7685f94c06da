package whatsapp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
)

var creds = channel.Credentials{PhoneNumberID: "106540352242922", AccessToken: metatest.Token}

const (
	path = "/v21.0/106540352242922/messages"
	ok   = `{"messaging_product":"whatsapp","contacts":[{"input":"5511987654321","wa_id":"5511987654321"}],` +
		`"messages":[{"id":"wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ2RkQ5QjE2QUJDRTY0MjVCMwA="}]}`
	okID     = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ2RkQ5QjE2QUJDRTY0MjVCMwA="
	textBody = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511987654321",` +
		`"type":"text","text":{"preview_url":false,"body":"Your refund is on its way."}}`
)

// R17: what leaves for the Cloud API, and what its answers become.
func TestSend(t *testing.T) {
	g := metatest.NewGraph(t)
	refund := channel.Text{To: "5511987654321", Body: "Your refund is on its way."}
	toBSUID := channel.Text{To: "BR.1502576394655843", Body: "Your refund is on its way."}
	prompt := &channel.Prompt{To: "5511987654321", Body: "Link this chat to your order?", Choices: []channel.Choice{
		{ID: "link:confirm", Title: "Yes, link it"}, {ID: "link:cancel", Title: "No, keep them separate please"}}}
	metatest.Run(t, g, New(g.Config()), []metatest.Send{
		{Name: "text", Creds: creds, Text: refund, Status: 200, Reply: ok, Path: path, Body: textBody,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "text to a BSUID", Creds: creds, Text: toBSUID, Status: 200, Reply: ok, Path: path,
			Body: `{"messaging_product":"whatsapp","recipient_type":"individual","recipient":"BR.1502576394655843",` +
				`"type":"text","text":{"preview_url":false,"body":"Your refund is on its way."}}`,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "prompt, long title cut to 20 characters", Creds: creds, Prompt: prompt, Status: 200, Reply: ok, Path: path,
			Body: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511987654321","type":"interactive",
				"interactive":{"type":"button","body":{"text":"Link this chat to your order?"},"action":{"buttons":[
					{"type":"reply","reply":{"id":"link:confirm","title":"Yes, link it"}},
					{"type":"reply","reply":{"id":"link:cancel","title":"No, keep them separa"}}]}}}`,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "window closed", Creds: creds, Text: refund, Status: 400, Path: path, Body: textBody, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,` +
				`"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbC1"}}`},
		{Name: "token expired", Creds: creds, Text: refund, Status: 401, Path: path, Body: textBody, Kind: meta.TokenInvalid,
			Reply: `{"error":{"message":"Error validating access token: Session has expired on Tuesday, 24-Nov-26 10:00:00 PST.",` +
				`"type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC2"}}`},
		{Name: "throughput limit", Creds: creds, Text: refund, Status: 429, Path: path, Body: textBody, Kind: meta.RateLimited,
			Header: http.Header{"Retry-After": {"5"}},
			Reply:  `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"AbC3"}}`},
		{Name: "pair rate limit on a 400", Creds: creds, Text: refund, Status: 400, Path: path, Body: textBody, Kind: meta.RateLimited,
			Reply: `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"fbtrace_id":"AbC4"}}`},
		{Name: "server error", Creds: creds, Text: refund, Status: 500, Path: path, Body: textBody, Kind: meta.Transient,
			Reply: `{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"fbtrace_id":"AbC5"}}`},
		{Name: "answer without a message id", Creds: creds, Text: refund, Status: 200, Path: path, Body: textBody, Kind: meta.Permanent,
			Reply: `{"messaging_product":"whatsapp","messages":[]}`},
	})
}

// A prompt WhatsApp cannot show is refused before anything is sent.
func TestSendPromptChoices(t *testing.T) {
	a := New(channel.Config{BaseURL: "http://127.0.0.1:1", Version: "v21.0"})
	four := []channel.Choice{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}, {ID: "c", Title: "C"}, {ID: "d", Title: "D"}}
	for _, choices := range [][]channel.Choice{nil, four} {
		_, err := a.SendPrompt(context.Background(), creds, channel.Prompt{To: "5511987654321", Body: "?", Choices: choices})
		if err == nil || meta.Classify(err).Kind != meta.Permanent {
			t.Errorf("%d choices: %v", len(choices), err)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 20, "short"},
		{"exactly twenty chars", 20, "exactly twenty chars"},
		{"twenty-one characters", 20, "twenty-one character"},
		{"ações e devoluções rápidas", 20, "ações e devoluções r"},
		{"👍👍👍", 2, "👍👍"},
		{"", 20, ""},
	} {
		if got := truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func at(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

const phone = "106540352242922"

var ana = channel.Identity{ID: "5511987654321", Name: "Ana Souza"}

// R18: every documented shape parses; unknown kinds and fields are
// skipped, never an error.
func TestParse(t *testing.T) {
	metatest.Fixtures(t, New(channel.Config{}).Parse, map[string][]channel.Event{
		"text.json": {metatest.Message(phone, channel.Inbound{ExternalID: "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMEE1QjVFMjNFRjc4QjE3NzEzAA==",
			From: ana, Kind: "text", Text: "Olá! O pedido 4521 chegou quebrado 😞", Timestamp: at(1764072000)})},
		"button_reply.json": {metatest.Message(phone, channel.Inbound{ExternalID: "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMjg4RUM1QkY2NzIxOTI2RjA3AA==",
			From: ana, Kind: "button", Text: "Yes, link it", ChoiceID: "link:confirm", Timestamp: at(1764072060)})},
		"template_button.json": {metatest.Message(phone, channel.Inbound{ExternalID: "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBN0UzOTgwQjRGMjlEQ0Y1NzE2AA==",
			From: ana, Kind: "button", Text: "Reopen my ticket", ChoiceID: "reopen", Timestamp: at(1764072120)})},
		"media.json": {
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.IMAGE0001", From: ana, Kind: "image", Text: "the box as it arrived", Timestamp: at(1764072180),
				Media: []channel.InboundMedia{{Kind: conversation.KindImage, MediaID: "1003383421387256", ContentType: "image/jpeg", Name: "photo.jpg",
					SHA256: "u1Z4cK1hYz0k2bS6Ww4m7y8Jm3Qe5Vw0h2Rr0n8Uq9s="}}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.STICKER0001", From: ana, Kind: "sticker", Timestamp: at(1764072181),
				Media: []channel.InboundMedia{{Kind: conversation.KindSticker, MediaID: "1228429398177483", ContentType: "image/webp", Name: "sticker.webp",
					SHA256: "b9uA5cVq8j3m0aRr7sTt1yZzQe2Vw4h6Nn8Kk0Pp2Lw="}}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.LOCATION0001", From: ana, Kind: "location", Timestamp: at(1764072182),
				Location: &conversation.Location{Latitude: -23.561414, Longitude: -46.655881, Name: "Avenida Paulista",
					Address: "Av. Paulista, 1578 - Bela Vista, São Paulo"}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.DOCUMENT0001", From: ana, Kind: "document", Text: "invoice", Timestamp: at(1764072183),
				Media: []channel.InboundMedia{{Kind: conversation.KindDocument, MediaID: "2204183503344455", ContentType: "application/pdf", Name: "invoice-4521.pdf",
					SHA256: "c3Vw0h2Rr0n8Uq9su1Z4cK1hYz0k2bS6Ww4m7y8Jm3Q="}}}),
		},
		"media_more.json": {
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.VIDEO0001", From: ana, Kind: "video", Text: "it rattles", Timestamp: at(1764072190),
				Media: []channel.InboundMedia{{Kind: conversation.KindVideo, MediaID: "1003383421387257", ContentType: "video/mp4", Name: "video.mp4",
					SHA256: "dmlkZW8=", Size: 204800}}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.VOICE0001", From: ana, Kind: "audio", Timestamp: at(1764072191),
				Media: []channel.InboundMedia{{Kind: conversation.KindAudio, MediaID: "1003383421387258", ContentType: "audio/ogg; codecs=opus", Name: "audio.ogg",
					SHA256: "dm9pY2U="}}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.AUDIO0001", From: ana, Kind: "audio", Timestamp: at(1764072192),
				Media: []channel.InboundMedia{{Kind: conversation.KindAudio, MediaID: "1003383421387259", ContentType: "audio/mpeg", Name: "audio.mp3",
					SHA256: "YXVkaW8="}}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.ANIMATED0001", From: ana, Kind: "sticker", Timestamp: at(1764072193),
				Media: []channel.InboundMedia{{Kind: conversation.KindSticker, MediaID: "1003383421387260", ContentType: "image/webp", Name: "sticker.webp",
					SHA256: "c3RpY2tlcg=="}}}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.PIN0001", From: ana, Kind: "location", Timestamp: at(1764072194),
				Location: &conversation.Location{Latitude: 38.7223, Longitude: -9.1393}}),
			// Neither a file to fetch nor a place on Earth: a note of the type.
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.NOID0001", From: ana, Kind: "image", Text: "[image]", Timestamp: at(1764072195)}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.BADPLACE0001", From: ana, Kind: "location", Text: "[location]", Timestamp: at(1764072196)}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.CONTACTS0001", From: ana, Kind: "contacts", Text: "[contacts]", Timestamp: at(1764072197)}),
		},
		"statuses.json": {
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0001", State: channel.StateSent, Timestamp: at(1764072300)}),
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0001", State: channel.StateDelivered, Timestamp: at(1764072302)}),
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0001", State: channel.StateRead, Timestamp: at(1764072310)}),
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0002", State: channel.StateFailed, ErrorCode: 131047,
				ErrorTitle: "Re-engagement message", Timestamp: at(1764072400)}),
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0003", State: channel.StateFailed, ErrorCode: 131026,
				ErrorTitle: "Message undeliverable", Timestamp: at(1764072401)}),
		},
		"bsuid.json": {
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.BSUID0001", From: channel.Identity{ID: "BR.1502576394655843", Name: "Bea"},
				Kind: "text", Text: "hi, I only have a username", Timestamp: at(1764072500)}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.BSUID0002", From: channel.Identity{ID: "5511911112222", Name: "Caio"},
				Kind: "text", Text: "and I have both", Timestamp: at(1764072501)}),
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0004", State: channel.StateDelivered, Timestamp: at(1764072502)}),
		},
		"batch.json": {
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.BATCH0001", From: ana, Kind: "text", Text: "first", Timestamp: at(1764073000)}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.BATCH0002", From: ana, Kind: "text", Text: "second", Timestamp: at(1764073001)}),
			metatest.Report(phone, channel.Status{ExternalID: "wamid.OUT0005", State: channel.StateDelivered, Timestamp: at(1764073002)}),
			metatest.Message("301234567890123", channel.Inbound{ExternalID: "wamid.BATCH0003", From: channel.Identity{ID: "491701234567", Name: "Jonas"},
				Kind: "text", Text: "Hallo", Timestamp: at(1764073003)}),
		},
		"unknown.json": {
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.REACTION0001", From: ana, Kind: "reaction", Text: "[reaction]", Timestamp: at(1764073100)}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.UNSUPPORTED0001", From: ana, Kind: "unsupported", Text: "[unsupported]", Timestamp: at(1764073101)}),
			metatest.Message(phone, channel.Inbound{ExternalID: "wamid.FUTURE0001", From: ana, Kind: "text", Text: "with fields from the future", Timestamp: at(1764073103)}),
		},
		"other_object.json": nil,
	})
}

func TestParseNotAWebhook(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"object":"instagram","entry":[]}`, strings.Repeat("{", 10)} {
		if events, err := New(channel.Config{}).Parse([]byte(body)); err == nil || events != nil {
			t.Errorf("%q: %v, %v", body, events, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	metatest.Fuzz(f, New(channel.Config{}).Parse)
}

// R32: more choices than reply buttons hold go as a list message, one
// section of rows behind a menu button labelled with the rows' numbers.
func TestSendList(t *testing.T) {
	g := metatest.NewGraph(t)
	var rows []channel.Choice
	for i := range 5 {
		rows = append(rows, channel.Choice{ID: fmt.Sprint("size-", i+1), Title: fmt.Sprint("Size ", i+1)})
	}
	rows[4].Title = "Extra large, in every colour"
	metatest.Run(t, g, New(g.Config()), []metatest.Send{
		{Name: "list, long row title cut to 24 characters", Creds: creds, Status: 200, Reply: ok, Path: path,
			List: &channel.Prompt{To: "5511987654321", Body: "Which size?", Choices: rows},
			Body: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511987654321","type":"interactive",
				"interactive":{"type":"list","body":{"text":"Which size?"},"action":{"button":"1–5","sections":[{"rows":[
					{"id":"size-1","title":"Size 1"},{"id":"size-2","title":"Size 2"},{"id":"size-3","title":"Size 3"},
					{"id":"size-4","title":"Size 4"},{"id":"size-5","title":"Extra large, in every co"}]}]}}}`,
			Want: channel.Sent{ExternalID: okID}},
	})
	a := New(channel.Config{BaseURL: "http://127.0.0.1:1", Version: "v21.0"})
	for _, n := range []int{0, 11} {
		_, err := a.SendList(context.Background(), creds, channel.Prompt{To: "5511987654321", Body: "?", Choices: make([]channel.Choice, n)})
		if err == nil || meta.Classify(err).Kind != meta.Permanent {
			t.Errorf("%d rows: %v", n, err)
		}
	}
}
