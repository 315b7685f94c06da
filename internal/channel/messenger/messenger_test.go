package messenger

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
)

var creds = channel.Credentials{PageID: "108245671234567", PageName: "linkline.shop", AccessToken: metatest.Token}

const (
	path     = "/v21.0/me/messages"
	ok       = `{"recipient_id":"6543210987654321","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"}`
	okID     = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
	textBody = `{"recipient":{"id":"6543210987654321"},"messaging_type":"RESPONSE","message":{"text":"Your refund is on its way."}}`
)

// R17: what leaves for the Send API, and what its answers become.
func TestSend(t *testing.T) {
	g := metatest.NewGraph(t)
	a := New(g.Config())
	if a.Channel() != conversation.ChannelMessenger {
		t.Errorf("Channel() = %s", a.Channel())
	}
	refund := channel.Text{To: "6543210987654321", Body: "Your refund is on its way."}
	late := refund
	late.HumanAgent = true
	prompt := &channel.Prompt{To: "6543210987654321", Body: "Link this chat to your order?",
		Choices: []channel.Choice{{ID: "link:confirm", Title: "Yes"}, {ID: "link:cancel", Title: "No"}}}
	metatest.Run(t, g, a, []metatest.Send{
		{Name: "text", Creds: creds, Text: refund, Status: 200, Reply: ok, Path: path, Body: textBody, Want: channel.Sent{ExternalID: okID}},
		{Name: "human agent", Creds: creds, Text: late, Status: 200, Reply: ok, Path: path,
			Body: `{"recipient":{"id":"6543210987654321"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",` +
				`"message":{"text":"Your refund is on its way."}}`,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "prompt", Creds: creds, Prompt: prompt, Status: 200, Reply: ok, Path: path,
			Body: `{"recipient":{"id":"6543210987654321"},"messaging_type":"RESPONSE","message":{"text":"Link this chat to your order?",
				"quick_replies":[{"content_type":"text","title":"Yes","payload":"link:confirm"},
					{"content_type":"text","title":"No","payload":"link:cancel"}]}}`,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "window closed", Creds: creds, Text: refund, Status: 400, Path: path, Body: textBody, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException",` +
				`"code":10,"error_subcode":2018278,"fbtrace_id":"AbC1"}}`},
		{Name: "person unavailable", Creds: creds, Text: refund, Status: 400, Path: path, Body: textBody, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#551) This person isn't available right now.","type":"OAuthException",` +
				`"code":551,"error_subcode":1545041,"fbtrace_id":"AbC2"}}`},
		{Name: "page token invalid", Creds: creds, Text: refund, Status: 400, Path: path, Body: textBody, Kind: meta.TokenInvalid,
			Reply: `{"error":{"message":"Error validating access token: The session has been invalidated because the user changed their password.",` +
				`"type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"AbC3"}}`},
		{Name: "page rate limit", Creds: creds, Text: refund, Status: 400, Path: path, Body: textBody, Kind: meta.RateLimited,
			Reply: `{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"AbC4"}}`},
		{Name: "service down", Creds: creds, Text: refund, Status: 503, Path: path, Body: textBody, Kind: meta.Transient,
			Reply: `{"error":{"message":"(#2) Service temporarily unavailable","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"AbC5"}}`},
		{Name: "answer without a message id", Creds: creds, Text: refund, Status: 200, Path: path, Body: textBody, Kind: meta.Permanent,
			Reply: `{"recipient_id":"6543210987654321"}`},
	})
}

// R16, R27: the User Profile API names a PSID; its failures are classified
// as a send's are.
func TestProfile(t *testing.T) {
	g := metatest.NewGraph(t)
	const (
		psid   = "6543210987654321"
		fields = "first_name,last_name,profile_pic"
		pic    = "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=6543210987654321&width=1024&ext=1767000000&hash=AbZ"
	)
	metatest.RunLookups(t, g, New(g.Config()), []metatest.Lookup{
		{Name: "profile", Creds: creds, User: psid, Status: 200, Path: "/v21.0/" + psid, Fields: fields,
			Reply: `{"first_name":"Ana","last_name":"Pereira","profile_pic":"` + pic + `","id":"6543210987654321"}`,
			Want:  channel.Profile{Name: "Ana Pereira", PictureURL: pic}},
		{Name: "first name only", Creds: creds, User: psid, Status: 200, Path: "/v21.0/" + psid, Fields: fields,
			Reply: `{"first_name":"Ana","id":"6543210987654321"}`, Want: channel.Profile{Name: "Ana"}},
		{Name: "no profile for that user", Creds: creds, User: psid, Status: 400, Path: "/v21.0/" + psid, Fields: fields, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#100) No profile available for that user.","type":"OAuthException","code":100,"fbtrace_id":"AbC6"}}`},
		{Name: "page token invalid", Creds: creds, User: psid, Status: 400, Path: "/v21.0/" + psid, Fields: fields, Kind: meta.TokenInvalid,
			Reply: `{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC7"}}`},
		{Name: "rate limit", Creds: creds, User: psid, Status: 400, Path: "/v21.0/" + psid, Fields: fields, Kind: meta.RateLimited,
			Reply: `{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"AbC8"}}`},
		{Name: "unreadable answer", Creds: creds, User: psid, Status: 200, Path: "/v21.0/" + psid, Fields: fields, Kind: meta.Permanent,
			Reply: `[]`},
	})
	if _, err := New(g.Config()).Profile(t.Context(), creds, ""); err == nil {
		t.Error("a profile of no user was read: GET /{version}/ is the Page itself")
	}
}

func at(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

const page = "108245671234567"

var user = channel.Identity{ID: "6543210987654321"}

// R18: every documented event parses; echoes, unknown events and fields
// are skipped, never an error.
func TestParse(t *testing.T) {
	metatest.Fixtures(t, New(channel.Config{}).Parse, map[string][]channel.Event{
		"text.json": {metatest.Message(page, channel.Inbound{ExternalID: "m_Zb3cR0n2mQ8cXgk1yS7e5lTq9wJ4pH6uV0aB1dC2eF3gH4iJ5kL6mN7oP8qR9sT",
			From: user, Kind: "text", Text: "Bonjour, ma commande n’est pas arrivée 😕", Timestamp: at(1764072000123)})},
		"quick_reply.json": {metatest.Message(page, channel.Inbound{ExternalID: "m_QR0001", From: user, Kind: "button",
			Text: "Yes, link it", ChoiceID: "link:confirm", Timestamp: at(1764072060123)})},
		"postback.json": {
			metatest.Message(page, channel.Inbound{ExternalID: "m_PB0001", From: user, Kind: "button", Text: "Get Started",
				ChoiceID: "GET_STARTED", Ref: "lk_7Hq2Zx9", Timestamp: at(1764072120123)}),
			metatest.Message(page, channel.Inbound{ExternalID: "postback:6543210987654321:1764072121000", From: user, Kind: "button",
				Text: "Talk to a person", ChoiceID: "HUMAN", Timestamp: at(1764072121000)}),
		},
		"referral.json": {metatest.Message(page, channel.Inbound{ExternalID: "ref:6543210987654321:1764072180123", From: user,
			Kind: "referral", Ref: "lk_7Hq2Zx9", Timestamp: at(1764072180123)})},
		"message_referral.json": {metatest.Message(page, channel.Inbound{ExternalID: "m_MR0001", From: user, Kind: "text",
			Text: "Is this still available?", Ref: "lk_7Hq2Zx9", Timestamp: at(1764072240123)})},
		"attachments.json": {
			metatest.Message(page, channel.Inbound{ExternalID: "m_IMG0001", From: user, Kind: "image", Timestamp: at(1764072300123),
				Media: []channel.InboundMedia{{Kind: conversation.KindImage, URL: "https://scontent.xx.fbcdn.net/v/photo1.jpg", Name: "photo"}}}),
			metatest.Message(page, channel.Inbound{ExternalID: "m_STK0001", From: user, Kind: "sticker", Timestamp: at(1764072301123),
				Media: []channel.InboundMedia{{Kind: conversation.KindSticker, URL: "https://scontent.xx.fbcdn.net/v/like.png", Name: "sticker"}}}),
			metatest.Message(page, channel.Inbound{ExternalID: "m_LOC0001", From: user, Kind: "location", Timestamp: at(1764072302123),
				Location: &conversation.Location{Latitude: 48.8566, Longitude: 2.3522}}),
			metatest.Message(page, channel.Inbound{ExternalID: "m_MULTI0001", From: user, Kind: "image", Text: "both sides of the box", Timestamp: at(1764072303123),
				Media: []channel.InboundMedia{
					{Kind: conversation.KindImage, URL: "https://scontent.xx.fbcdn.net/v/photo2.jpg", Name: "photo"},
					{Kind: conversation.KindVideo, URL: "https://video.xx.fbcdn.net/v/clip.mp4", Name: "video"}}}),
		},
		"attachments_more.json": {
			metatest.Message(page, channel.Inbound{ExternalID: "m_FILE0001", From: user, Kind: "file", Timestamp: at(1764072310123),
				Media: []channel.InboundMedia{{Kind: conversation.KindDocument, URL: "https://cdn.fbsbx.com/v/t59/receipt.pdf?oh=abc&oe=6760A1B2", Name: "receipt.pdf"}}}),
			metatest.Message(page, channel.Inbound{ExternalID: "m_AUDIO0001", From: user, Kind: "audio", Timestamp: at(1764072311123),
				Media: []channel.InboundMedia{{Kind: conversation.KindAudio, URL: "https://cdn.fbsbx.com/v/t59/audioclip.mp4?oh=def&oe=6760A1B2", Name: "audio"}}}),
			// A shared link is no file: its title and link stay readable.
			metatest.Message(page, channel.Inbound{ExternalID: "m_FALLBACK0001", From: user, Kind: "fallback", Timestamp: at(1764072312123),
				Text: "[fallback] Returns policy https://l.facebook.com/l.php?u=https%3A%2F%2Flinkline.shop%2Freturns\nlook at this"}),
			metatest.Message(page, channel.Inbound{ExternalID: "m_NOURL0001", From: user, Kind: "image", Text: "[image]", Timestamp: at(1764072313123)}),
		},
		"delivery_read.json": {
			metatest.Report(page, channel.Status{ExternalID: "m_OUT0001", State: channel.StateDelivered, Timestamp: at(1764072400123)}),
			metatest.Report(page, channel.Status{ExternalID: "m_OUT0002", State: channel.StateDelivered, Timestamp: at(1764072400123)}),
			metatest.Report(page, channel.Status{Recipient: user.ID, Watermark: at(1764072399000), State: channel.StateDelivered, Timestamp: at(1764072400123)}),
			metatest.Report(page, channel.Status{Recipient: user.ID, Watermark: at(1764072400900), State: channel.StateDelivered, Timestamp: at(1764072401123)}),
			metatest.Report(page, channel.Status{Recipient: user.ID, Watermark: at(1764072409000), State: channel.StateRead, Timestamp: at(1764072410123)}),
		},
		"echo.json": {},
		"batch.json": {
			metatest.Message(page, channel.Inbound{ExternalID: "m_BATCH0001", From: user, Kind: "text", Text: "first", Timestamp: at(1764072600123)}),
			metatest.Report(page, channel.Status{Recipient: user.ID, Watermark: at(1764072600900), State: channel.StateRead, Timestamp: at(1764072601123)}),
			metatest.Message("208245671234568", channel.Inbound{ExternalID: "m_BATCH0002", From: channel.Identity{ID: "7654321098765432"},
				Kind: "text", Text: "other page", Timestamp: at(1764072602123)}),
			metatest.Message("208245671234568", channel.Inbound{ExternalID: "m_BATCH0003", From: channel.Identity{ID: "8765432109876543"},
				Kind: "text", Text: "another person", Timestamp: at(1764072603123)}),
		},
		"unknown.json": {metatest.Message(page, channel.Inbound{ExternalID: "m_FUTURE0001", From: user, Kind: "text",
			Text: "with unknown fields", Timestamp: at(1764072705123)})},
		"other_object.json": nil,
	})
}

func FuzzParse(f *testing.F) {
	metatest.Fuzz(f, New(channel.Config{}).Parse)
}
