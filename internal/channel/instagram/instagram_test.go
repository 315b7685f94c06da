package instagram

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
)

const (
	igID  = "17841405309211844"
	igsid = "1234567890123456"
	ok    = `{"recipient_id":"1234567890123456","message_id":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1MzA5MjExODQ0"}`
	okID  = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1MzA5MjExODQ0"
	hello = `{"recipient":{"id":"1234567890123456"},"messaging_type":"RESPONSE","message":{"text":"Grazie, ci pensiamo noi."}}`
)

// R17: Instagram Login sends to /{ig-id}/messages, Facebook Login to
// me/messages; the body is the Send API's either way.
func TestSend(t *testing.T) {
	g := metatest.NewGraph(t)
	a := New(g.Config())
	if a.Channel() != conversation.ChannelInstagram {
		t.Errorf("Channel() = %s", a.Channel())
	}
	igLogin := channel.Credentials{InstagramID: igID, Username: "linkline.shop", AccessToken: metatest.Token}
	fbLogin := channel.Credentials{AccessToken: metatest.Token}
	thanks := channel.Text{To: igsid, Body: "Grazie, ci pensiamo noi."}
	tagged := channel.Text{To: igsid, Body: "Grazie, ci pensiamo noi.", HumanAgent: true}
	const igPath = "/v21.0/" + igID + "/messages"
	metatest.Run(t, g, a, []metatest.Send{
		{Name: "text, Instagram Login", Creds: igLogin, Text: thanks, Status: 200, Reply: ok, Path: igPath, Body: hello,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "text, Facebook Login", Creds: fbLogin, Text: thanks, Status: 200, Reply: ok, Path: "/v21.0/me/messages", Body: hello,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "human agent", Creds: igLogin, Text: tagged, Status: 200, Reply: ok, Path: igPath,
			Body: `{"recipient":{"id":"1234567890123456"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",` +
				`"message":{"text":"Grazie, ci pensiamo noi."}}`,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "prompt", Creds: igLogin, Status: 200, Reply: ok, Path: igPath,
			Prompt: &channel.Prompt{To: igsid, Body: "Collegare questa chat al tuo ordine?",
				Choices: []channel.Choice{{ID: "link:confirm", Title: "Sì"}, {ID: "link:cancel", Title: "No"}}},
			Body: `{"recipient":{"id":"1234567890123456"},"messaging_type":"RESPONSE","message":{"text":"Collegare questa chat al tuo ordine?",
				"quick_replies":[{"content_type":"text","title":"Sì","payload":"link:confirm"},
					{"content_type":"text","title":"No","payload":"link:cancel"}]}}`,
			Want: channel.Sent{ExternalID: okID}},
		{Name: "window closed", Creds: igLogin, Text: thanks, Status: 400, Path: igPath, Body: hello, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException",` +
				`"code":10,"error_subcode":2534022,"fbtrace_id":"AbC1"}}`},
		{Name: "token expired", Creds: igLogin, Text: thanks, Status: 400, Path: igPath, Body: hello, Kind: meta.TokenInvalid,
			Reply: `{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException",` +
				`"code":190,"error_subcode":463,"fbtrace_id":"AbC2"}}`},
		{Name: "app rate limit", Creds: igLogin, Text: thanks, Status: 400, Path: igPath, Body: hello, Kind: meta.RateLimited,
			Reply: `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true,"fbtrace_id":"AbC3"}}`},
		{Name: "bad parameter", Creds: igLogin, Text: thanks, Status: 400, Path: igPath, Body: hello, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#100) The parameter recipient is required","type":"OAuthException","code":100,"fbtrace_id":"AbC4"}}`},
		{Name: "server error", Creds: igLogin, Text: thanks, Status: 500, Path: igPath, Body: hello, Kind: meta.Transient,
			Reply: `{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"fbtrace_id":"AbC5"}}`},
	})
}

// R16, R27: Instagram's user profile names an IGSID on either endpoint;
// a user without a name is known by their username.
func TestProfile(t *testing.T) {
	g := metatest.NewGraph(t)
	igLogin := channel.Credentials{InstagramID: igID, Username: "linkline.shop", AccessToken: metatest.Token}
	const (
		fields = "name,username,profile_pic"
		pic    = "https://scontent.cdninstagram.com/v/t51.2885-19/ana.jpg?oh=00_Ab&oe=6790"
	)
	metatest.RunLookups(t, g, New(g.Config()), []metatest.Lookup{
		{Name: "profile", Creds: igLogin, User: igsid, Status: 200, Path: "/v21.0/" + igsid, Fields: fields,
			Reply: `{"name":"Giulia Bianchi","username":"giulia.b","profile_pic":"` + pic + `","id":"1234567890123456"}`,
			Want:  channel.Profile{Name: "Giulia Bianchi", PictureURL: pic}},
		{Name: "username only", Creds: channel.Credentials{AccessToken: metatest.Token}, User: igsid, Status: 200, Path: "/v21.0/" + igsid, Fields: fields,
			Reply: `{"username":"giulia.b","id":"1234567890123456"}`, Want: channel.Profile{Name: "giulia.b"}},
		{Name: "missing permission", Creds: igLogin, User: igsid, Status: 400, Path: "/v21.0/" + igsid, Fields: fields, Kind: meta.Permanent,
			Reply: `{"error":{"message":"(#230) Requires pages_messaging permission to manage the object","type":"OAuthException","code":230,"fbtrace_id":"AbC6"}}`},
		{Name: "server error", Creds: igLogin, User: igsid, Status: 500, Path: "/v21.0/" + igsid, Fields: fields, Kind: meta.Transient,
			Reply: `{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"fbtrace_id":"AbC7"}}`},
	})
}

var user = channel.Identity{ID: igsid}

func ms(n int64) time.Time { return time.UnixMilli(n).UTC() }

func in(id, kind, text string, ts int64) channel.Event {
	return metatest.Message(igID, channel.Inbound{ExternalID: id, From: user, Kind: kind, Text: text, Timestamp: ms(ts)})
}

func media(id, kind, text string, ts int64, m channel.InboundMedia) channel.Event {
	return metatest.Message(igID, channel.Inbound{ExternalID: id, From: user, Kind: kind, Text: text, Timestamp: ms(ts),
		Media: []channel.InboundMedia{m}})
}

// R18: every documented event parses; echoes, deletions, comments and
// unknown events are skipped, never an error.
func TestParse(t *testing.T) {
	metatest.Fixtures(t, New(channel.Config{}).Parse, map[string][]channel.Event{
		"text.json": {in("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1MzA5MjExODQ0OjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEyODEyOTQ1NjQ4Mjk0OTk1Mzo=",
			"text", "Ciao! L’ordine è arrivato rotto 😢", 1764072000123)},
		"quick_reply.json": {metatest.Message(igID, channel.Inbound{ExternalID: "aWdfQR0001", From: user, Kind: "button",
			Text: "Yes, link it", ChoiceID: "link:confirm", Timestamp: ms(1764072060123)})},
		"postback.json": {metatest.Message(igID, channel.Inbound{ExternalID: "aWdfPB0001", From: user, Kind: "button",
			Text: "Where is my order?", ChoiceID: "ICEBREAKER_ORDER", Timestamp: ms(1764072120123)})},
		"referral.json": {metatest.Message(igID, channel.Inbound{ExternalID: "ref:1234567890123456:1764072180123", From: user,
			Kind: "referral", Ref: "lk_9Pw3Yt1", Timestamp: ms(1764072180123)})},
		"attachments.json": {
			media("aWdfIMG0001", "image", "", 1764072300123, channel.InboundMedia{Kind: conversation.KindImage,
				URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1", Name: "photo"}),
			// A story mention is no file of the conversation: its link is.
			in("aWdfSTORY0001", "story_mention", "[story_mention] https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=2", 1764072301123),
			media("aWdfSHARE0001", "ig_reel", "this one", 1764072302123, channel.InboundMedia{Kind: conversation.KindVideo,
				URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=3", Name: "video"}),
			in("aWdfGIF0001", "unsupported", "[unsupported]", 1764072303123),
		},
		"attachments_more.json": {
			media("aWdfVIDEO0001", "video", "", 1764072310123, channel.InboundMedia{Kind: conversation.KindVideo,
				URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=4&signature=x", Name: "video"}),
			media("aWdfAUDIO0001", "audio", "", 1764072311123, channel.InboundMedia{Kind: conversation.KindAudio,
				URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=5&signature=x", Name: "audio"}),
			media("aWdfFILE0001", "file", "", 1764072312123, channel.InboundMedia{Kind: conversation.KindDocument,
				URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=6&signature=x", Name: "document"}),
			in("aWdfPOST0001", "share", "[share] https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=7&signature=x\n"+
				"[ig_post] New in: the travel mug https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18139494541428835&signature=x", 1764072313123),
			media("aWdfREEL0001", "reel", "", 1764072314123, channel.InboundMedia{Kind: conversation.KindVideo,
				URL: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=8&signature=x", Name: "video"}),
		},
		"read.json": {metatest.Report(igID, channel.Status{ExternalID: "aWdfOUT0001", State: channel.StateRead, Timestamp: ms(1764072400123)})},
		"echo.json": {},
		"batch.json": {
			in("aWdfBATCH0001", "text", "first", 1764072600123),
			metatest.Report(igID, channel.Status{ExternalID: "aWdfOUT0003", State: channel.StateRead, Timestamp: ms(1764072601123)}),
			metatest.Message("17841400000000099", channel.Inbound{ExternalID: "aWdfBATCH0002", From: channel.Identity{ID: "2345678901234567"},
				Kind: "text", Text: "other account", Timestamp: ms(1764072602123)}),
		},
		"unknown.json":      {metatest.Message(igID, channel.Inbound{ExternalID: "aWdfODDTIME0001", From: user, Kind: "text", Text: "odd timestamp"})},
		"other_object.json": nil,
	})
}

func FuzzParse(f *testing.F) {
	metatest.Fuzz(f, New(channel.Config{}).Parse)
}
