package sandbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/channel/instagram"
	"github.com/linkline/linkline/internal/channel/messenger"
	"github.com/linkline/linkline/internal/channel/whatsapp"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
	"github.com/linkline/linkline/internal/webhook"
)

var (
	wa = Integration{Channel: conversation.ChannelWhatsApp, BusinessID: "106540352242922", Handle: "15550783881",
		WebhookKey: "wh_whatsapp", AppSecret: "whatsapp-secret"}
	fb = Integration{Channel: conversation.ChannelMessenger, BusinessID: "108245671234567", Handle: "linkline.support",
		WebhookKey: "wh_messenger", AppSecret: "messenger-secret"}
	ig = Integration{Channel: conversation.ChannelInstagram, BusinessID: "17841405309211844", Handle: "linkline.support",
		WebhookKey: "wh_instagram", AppSecret: "instagram-secret"}

	// users are an end user of each channel: a wa_id, a PSID, an IGSID.
	users = map[conversation.Channel]string{
		conversation.ChannelWhatsApp:  "5511987654321",
		conversation.ChannelMessenger: "6543210987654321",
		conversation.ChannelInstagram: "1234567890123456",
	}

	// now is the sandbox's clock: a whole second, as WhatsApp has no finer.
	now = time.Date(2025, 11, 25, 12, 0, 0, 0, time.UTC)

	linkPrompt = channel.Prompt{Body: "Link this chat to your conversation on our site?", Choices: []channel.Choice{
		{ID: "link:confirm", Title: "Yes, link it"}, {ID: "link:cancel", Title: "No"}}}

	discard = slog.New(slog.DiscardHandler)
)

// store holds the integrations, as the sandbox and the webhook route both
// see them.
type store []Integration

func (s store) SandboxByKey(_ context.Context, key string) (Integration, error) {
	for _, it := range s {
		if it.WebhookKey == key {
			return it, nil
		}
	}
	return Integration{}, apperr.NotFoundf("integration")
}

func (s store) SandboxByBusiness(_ context.Context, ch conversation.Channel, id string) (Integration, error) {
	for _, it := range s {
		if it.Channel == ch && it.BusinessID == id {
			return it, nil
		}
	}
	return Integration{}, apperr.NotFoundf("integration")
}

func (s store) IntegrationByWebhookKey(_ context.Context, key string) (*integration.Integration, integration.Secrets, error) {
	for i, it := range s {
		if it.WebhookKey == key {
			return &integration.Integration{ID: int64(i + 1), Channel: it.Channel, Status: integration.StatusActive, Sandbox: true,
				BusinessID: it.BusinessID, Handle: it.Handle, WebhookKey: key}, integration.Secrets{AppSecret: it.AppSecret}, nil
		}
	}
	return nil, integration.Secrets{}, apperr.NotFoundf("integration")
}

func (s store) RecordWebhook(context.Context, int64, time.Time, time.Duration) error { return nil }

// credentials are what delivery sends with: the stored integration's,
// with the sandbox's access token.
func credentials(it Integration) channel.Credentials {
	stored := integration.Integration{Channel: it.Channel, BusinessID: it.BusinessID, Handle: it.Handle}
	return channel.CredentialsFor(&stored, integration.Secrets{AccessToken: AccessToken(it.BusinessID)})
}

// stored is a webhook body the webhook route accepted.
type stored struct {
	integration int64
	body        []byte
}

// inbox is the webhook route's store: what got past its signature check.
type inbox chan stored

func (in inbox) Receive(_ context.Context, id int64, body []byte) error {
	in <- stored{id, body}
	return nil
}

type testBundle struct {
	sb       *Sandbox
	store    store
	inbox    inbox
	adapters map[conversation.Channel]channel.Adapter
}

// setup starts a sandbox whose webhooks go through the real webhook route.
// Both see the integrations of store{wa, fb, ig}, unless the sandbox is
// given others.
func setup(t *testing.T, others ...Integrations) *testBundle {
	t.Helper()
	b := &testBundle{store: store{wa, fb, ig}, inbox: make(inbox, 64)}
	route := http.NewServeMux()
	route.Handle("/webhooks/{key}", webhook.NewHandler(b.store, b.inbox, discard, time.Now))
	var integrations Integrations = b.store
	if len(others) > 0 {
		integrations = others[0]
	}
	b.sb = New(integrations, DeliverTo(route), discard)
	b.sb.now = func() time.Time { return now }
	t.Cleanup(b.sb.Close)
	cfg := channel.Config{BaseURL: "http://sandbox.invalid", Version: "v21.0", Client: &http.Client{Transport: b.sb.Transport()}}
	b.adapters = map[conversation.Channel]channel.Adapter{
		conversation.ChannelWhatsApp:  whatsapp.New(cfg),
		conversation.ChannelMessenger: messenger.New(cfg),
		conversation.ChannelInstagram: instagram.New(cfg),
	}
	return b
}

// events waits for the next webhook, checks that the route stored it for
// it, and parses it with the channel's real adapter.
func (b *testBundle) events(t *testing.T, it Integration) []channel.Event {
	t.Helper()
	select {
	case got := <-b.inbox:
		if want := int64(slices.Index(b.store, it) + 1); got.integration != want {
			t.Fatalf("webhook stored for integration %d, want %d", got.integration, want)
		}
		events, err := b.adapters[it.Channel].Parse(got.body)
		if err != nil {
			t.Fatalf("%s", err)
		}
		return events
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook reached the route")
		return nil
	}
}

// expect checks the next webhooks, one list of events each.
func (b *testBundle) expect(t *testing.T, it Integration, webhooks ...[]channel.Event) {
	t.Helper()
	for _, want := range webhooks {
		if got := b.events(t, it); !reflect.DeepEqual(got, want) {
			t.Errorf("webhook events\n got %s\nwant %s", show(got), show(want))
		}
	}
}

// quiet checks that no webhook is left once background work is done.
func (b *testBundle) quiet(t *testing.T) {
	t.Helper()
	b.sb.Close()
	if n := len(b.inbox); n > 0 {
		t.Errorf("%d webhooks more than expected", n)
	}
}

// phone calls the phone API as mounted, and decodes its JSON answer.
func (b *testBundle) phone(t *testing.T, method, path, body string, answer any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	http.StripPrefix("/sandbox", b.sb.Handler()).ServeHTTP(rec, httptest.NewRequest(method, "/sandbox"+path, strings.NewReader(body)))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), answer); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return rec.Code
}

// act makes the phone do something that succeeds.
func (b *testBundle) act(t *testing.T, it Integration, action, body string) result {
	t.Helper()
	var res result
	if code := b.phone(t, http.MethodPost, "/"+it.WebhookKey+"/phones/"+users[it.Channel]+"/"+action, body, &res); code != http.StatusOK || res.WebhookStatus != http.StatusOK {
		t.Fatalf("%s: %d %+v", action, code, res)
	}
	return res
}

type screen struct {
	Channel      conversation.Channel
	Handle       string
	User         string
	Name         string
	Messages     []line
	ProfileReads int
	Version      uint64
}

func (b *testBundle) screen(t *testing.T, it Integration) screen {
	t.Helper()
	var s screen
	if code := b.phone(t, http.MethodGet, "/"+it.WebhookKey+"/phones/"+users[it.Channel], "", &s); code != http.StatusOK {
		t.Fatalf("phone: %d", code)
	}
	return s
}

// sent is what the business's sends report on each channel: WhatsApp sent
// then delivered, Messenger a delivery, Instagram nothing.
func sent(it Integration, id string) [][]channel.Event {
	user := users[it.Channel]
	switch it.Channel {
	case conversation.ChannelWhatsApp:
		return [][]channel.Event{
			{metatest.Report(it.BusinessID, channel.Status{ExternalID: id, State: channel.StateSent, Timestamp: now})},
			{metatest.Report(it.BusinessID, channel.Status{ExternalID: id, State: channel.StateDelivered, Timestamp: now})},
		}
	case conversation.ChannelMessenger:
		return [][]channel.Event{{
			metatest.Report(it.BusinessID, channel.Status{ExternalID: id, State: channel.StateDelivered, Timestamp: now}),
			metatest.Report(it.BusinessID, channel.Status{Recipient: user, Watermark: now, State: channel.StateDelivered, Timestamp: now}),
		}}
	}
	return nil
}

// R17: the real adapters send through the fake Graph API; the phone shows
// what they sent, Meta's status webhooks follow, and reading the phone
// sends read receipts.
func TestAdapterSendsReachThePhone(t *testing.T) {
	for _, it := range []Integration{wa, fb, ig} {
		t.Run(string(it.Channel), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			ctx, a, user := t.Context(), b.adapters[it.Channel], users[it.Channel]

			text, err := a.SendText(ctx, credentials(it), channel.Text{To: user, Body: "Your refund is on its way."})
			if err != nil {
				t.Fatal(err)
			}
			b.expect(t, it, sent(it, text.ExternalID)...)
			prompt := linkPrompt
			prompt.To = user
			question, err := a.SendPrompt(ctx, credentials(it), prompt)
			if err != nil {
				t.Fatal(err)
			}
			b.expect(t, it, sent(it, question.ExternalID)...)

			// R32: the phone draws the form the payload had.
			form := formQuickReplies
			if it.Channel == conversation.ChannelWhatsApp {
				form = formButtons
			}
			want := []line{
				{ID: text.ExternalID, From: fromBusiness, Text: "Your refund is on its way.", Time: now},
				{ID: question.ExternalID, From: fromBusiness, Text: linkPrompt.Body, Time: now, Form: form, Choices: []choice{
					{ID: "link:confirm", Title: "Yes, link it"}, {ID: "link:cancel", Title: "No"}}},
			}
			if got := b.screen(t, it); got.Channel != it.Channel || got.User != user || !reflect.DeepEqual(got.Messages, want) {
				t.Errorf("phone shows %s\nwant %s", show(got), show(want))
			}
			if text.ExternalID == question.ExternalID {
				t.Errorf("two sends share the id %s", text.ExternalID)
			}

			res := b.act(t, it, "read", "")
			if !reflect.DeepEqual(res.Read, []string{text.ExternalID, question.ExternalID}) {
				t.Errorf("read %v", res.Read)
			}
			var receipts []channel.Event
			if it.Channel == conversation.ChannelMessenger {
				receipts = append(receipts, metatest.Report(it.BusinessID,
					channel.Status{Recipient: user, Watermark: now, State: channel.StateRead, Timestamp: now}))
			} else {
				for _, id := range res.Read {
					receipts = append(receipts, metatest.Report(it.BusinessID, channel.Status{ExternalID: id, State: channel.StateRead, Timestamp: now}))
				}
			}
			b.expect(t, it, receipts)
			var again result
			if code := b.phone(t, http.MethodPost, "/"+it.WebhookKey+"/phones/"+user+"/read", "", &again); code != http.StatusOK || !reflect.DeepEqual(again, result{}) {
				t.Errorf("read again: %d %+v, want nothing sent", code, again)
			}
			b.quiet(t)
		})
	}
}

// R5, R6: what the end user does on the phone reaches the service as the
// channel's webhooks, which the real adapters parse: a text, the tap of a
// prompt's choice, the deep link's prefilled text or ref.
func TestPhoneWritesTapsAndOpensLinks(t *testing.T) {
	links := map[conversation.Channel]string{
		conversation.ChannelWhatsApp:  "https://wa.me/15550783881?text=Link%20code%20LK-7HQ2",
		conversation.ChannelMessenger: "https://m.me/Linkline.Support?ref=lk_7Hq2Zx9",
		conversation.ChannelInstagram: "https://ig.me/m/linkline.support?ref=lk_7Hq2Zx9",
	}
	for _, it := range []Integration{wa, fb, ig} {
		t.Run(string(it.Channel), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			user := users[it.Channel]
			from := channel.Identity{ID: user}
			if it.Channel == conversation.ChannelWhatsApp {
				// Only WhatsApp tells profile names.
				from.Name = "Ana Souza"
			}

			hello := b.act(t, it, "messages", `{"text": "Olá! O pedido 4521 chegou quebrado 😞", "name": "Ana Souza"}`)
			b.expect(t, it, []channel.Event{metatest.Message(it.BusinessID, channel.Inbound{ExternalID: hello.MessageID, From: from,
				Kind: "text", Text: "Olá! O pedido 4521 chegou quebrado 😞", Timestamp: now})})

			prompt := linkPrompt
			prompt.To = user
			question, err := b.adapters[it.Channel].SendPrompt(t.Context(), credentials(it), prompt)
			if err != nil {
				t.Fatal(err)
			}
			b.expect(t, it, sent(it, question.ExternalID)...)
			yes := b.act(t, it, "tap", `{"choiceId": "link:confirm"}`)
			b.expect(t, it, []channel.Event{metatest.Message(it.BusinessID, channel.Inbound{ExternalID: yes.MessageID, From: from,
				Kind: "button", Text: "Yes, link it", ChoiceID: "link:confirm", Timestamp: now})})

			opened := b.act(t, it, "open", `{"link": "`+links[it.Channel]+`"}`)
			if it.Channel == conversation.ChannelWhatsApp {
				b.expect(t, it, []channel.Event{metatest.Message(it.BusinessID, channel.Inbound{ExternalID: opened.MessageID, From: from,
					Kind: "text", Text: "Link code LK-7HQ2", Timestamp: now})})
			} else {
				b.expect(t, it, []channel.Event{metatest.Message(it.BusinessID, channel.Inbound{
					ExternalID: "ref:" + user + ":" + strconv.FormatInt(now.UnixMilli(), 10), From: from,
					Kind: "referral", Ref: "lk_7Hq2Zx9", Timestamp: now})})
			}

			var written []string
			for _, l := range b.screen(t, it).Messages {
				written = append(written, l.From+": "+l.Text)
			}
			want := []string{"user: Olá! O pedido 4521 chegou quebrado 😞", "business: " + linkPrompt.Body, "user: Yes, link it"}
			if it.Channel == conversation.ChannelWhatsApp {
				want = append(want, "user: Link code LK-7HQ2")
			}
			if !reflect.DeepEqual(written, want) {
				t.Errorf("phone shows %q, want %q", written, want)
			}
			b.quiet(t)
		})
	}
}

// What a phone cannot do is refused with a JSON error, and sends nothing.
func TestPhoneRefuses(t *testing.T) {
	b := setup(t)
	big := `{"text": "` + strings.Repeat("a", maxBody) + `"}`
	for _, tc := range []struct {
		name, path, body string
		status           int
	}{
		{"unknown webhook key", "/wh_nobody/phones/5511987654321/messages", `{"text": "hi"}`, http.StatusNotFound},
		{"no text", "/wh_whatsapp/phones/5511987654321/messages", `{"name": "Ana"}`, http.StatusBadRequest},
		{"invalid JSON", "/wh_whatsapp/phones/5511987654321/messages", `{"text": `, http.StatusBadRequest},
		{"unknown field", "/wh_whatsapp/phones/5511987654321/messages", `{"txt": "hi"}`, http.StatusBadRequest},
		{"body too large", "/wh_whatsapp/phones/5511987654321/messages", big, http.StatusRequestEntityTooLarge},
		{"invalid user", "/wh_whatsapp/phones/55%2F11/messages", `{"text": "hi"}`, http.StatusBadRequest},
		{"choice never offered", "/wh_messenger/phones/6543210987654321/tap", `{"choiceId": "link:confirm"}`, http.StatusBadRequest},
		{"another number's link", "/wh_whatsapp/phones/5511987654321/open", `{"link": "https://wa.me/15550000000?text=hi"}`, http.StatusBadRequest},
		{"another channel's link", "/wh_messenger/phones/6543210987654321/open", `{"link": "https://ig.me/m/linkline.support?ref=lk_1"}`, http.StatusBadRequest},
		{"another page's link", "/wh_messenger/phones/6543210987654321/open", `{"link": "https://m.me/someone.else?ref=lk_1"}`, http.StatusBadRequest},
		{"link without ref", "/wh_instagram/phones/1234567890123456/open", `{"link": "https://ig.me/m/linkline.support"}`, http.StatusBadRequest},
		{"link without text", "/wh_whatsapp/phones/5511987654321/open", `{"link": "https://wa.me/15550783881"}`, http.StatusBadRequest},
		{"not a link", "/wh_whatsapp/phones/5511987654321/open", `{"link": "wa.me/15550783881?text=hi"}`, http.StatusBadRequest},
	} {
		var res result
		if code := b.phone(t, http.MethodPost, tc.path, tc.body, &res); code != tc.status || res.Error == "" {
			t.Errorf("%s: %d %+v, want %d with an error", tc.name, code, res, tc.status)
		}
	}
	b.quiet(t)
}

// R19: a webhook signed with another secret than the route's is refused,
// and the phone says so.
func TestRefusedWebhook(t *testing.T) {
	b := setup(t, wrongSecret{store{wa, fb, ig}})
	var res result
	code := b.phone(t, http.MethodPost, "/wh_whatsapp/phones/5511987654321/messages", `{"text": "hi"}`, &res)
	if code != http.StatusBadGateway || res.WebhookStatus != http.StatusForbidden || res.MessageID == "" {
		t.Errorf("%d %+v, want 502 with the route's 403", code, res)
	}
	b.quiet(t)
}

type wrongSecret struct{ Integrations }

func (w wrongSecret) SandboxByKey(ctx context.Context, key string) (Integration, error) {
	it, err := w.Integrations.SandboxByKey(ctx, key)
	it.AppSecret = "not-the-app-secret"
	return it, err
}

// R17: what Meta would refuse, the fake Graph API refuses in Meta's words,
// so that delivery classifies it as it would Meta's answer.
func TestGraphRefuses(t *testing.T) {
	b := setup(t)
	for _, tc := range []struct {
		name  string
		it    Integration
		creds channel.Credentials
		to    string
		kind  meta.Kind
	}{
		{"a Page token, not a sandbox one", fb, channel.Credentials{PageID: fb.BusinessID, AccessToken: "EAAG-real-page-token"}, "6543210987654321", meta.TokenInvalid},
		{"no token", ig, channel.Credentials{InstagramID: ig.BusinessID}, "1234567890123456", meta.TokenInvalid},
		{"another integration's token", ig, channel.Credentials{InstagramID: ig.BusinessID, AccessToken: AccessToken(fb.BusinessID)}, "1234567890123456", meta.Permanent},
		{"no such integration", wa, channel.Credentials{PhoneNumberID: "999", AccessToken: AccessToken("999")}, "5511987654321", meta.Permanent},
		{"invalid recipient", wa, credentials(wa), "55/11", meta.Permanent},
	} {
		_, err := b.adapters[tc.it.Channel].SendText(t.Context(), tc.creds, channel.Text{To: tc.to, Body: "hi"})
		if c := meta.Classify(err); err == nil || c.Kind != tc.kind {
			t.Errorf("%s: %v classified %v, want %v", tc.name, err, c.Kind, tc.kind)
		}
	}
	b.quiet(t)
}

// A send is answered before its status webhooks go out, and Close ends
// those still under way.
func TestCloseEndsStatusWebhooks(t *testing.T) {
	var once sync.Once
	started := make(chan struct{})
	stuck := func(ctx context.Context, _ *http.Request) int {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return http.StatusServiceUnavailable
	}
	sb := New(store{wa}, stuck, discard)
	a := whatsapp.New(channel.Config{BaseURL: "http://sandbox.invalid", Version: "v21.0", Client: &http.Client{Transport: sb.Transport()}})
	if _, err := a.SendText(t.Context(), credentials(wa), channel.Text{To: users[wa.Channel], Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	<-started
	sb.Close()
}

func show(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// R16, R27: Messenger and Instagram read a phone's profile: the name it
// wrote under, or a made-up one that stays the same; Messenger's as first
// and last name, Instagram's with a username; each with a picture. The
// phone counts the reads. A user who never wrote or opened a chat is
// unknown.
func TestProfiles(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	profiler := func(ch conversation.Channel) metatest.ProfileReader {
		return b.adapters[ch].(metatest.ProfileReader)
	}

	b.act(t, fb, "messages", `{"text": "Olá", "name": "Ana Souza"}`)
	b.events(t, fb)
	p, err := profiler(fb.Channel).Profile(ctx, credentials(fb), users[fb.Channel])
	if err != nil || p.Name != "Ana Souza" || !strings.HasPrefix(p.PictureURL, "data:image/svg+xml,") {
		t.Errorf("Messenger profile %+v, %v", p, err)
	}

	// Instagram: a phone that only opened an ig.me link, and gave no name.
	b.act(t, ig, "open", `{"link": "https://ig.me/m/linkline.support?ref=lk_1"}`)
	b.events(t, ig)
	first, err := profiler(ig.Channel).Profile(ctx, credentials(ig), users[ig.Channel])
	if err != nil || len(strings.Fields(first.Name)) != 2 || first.PictureURL == "" {
		t.Errorf("made-up Instagram profile %+v, %v", first, err)
	}
	if again, _ := profiler(ig.Channel).Profile(ctx, credentials(ig), users[ig.Channel]); again != first {
		t.Errorf("the made-up profile changed: %+v, then %+v", first, again)
	}
	// What Instagram answers, field by field.
	client := &http.Client{Transport: b.sb.Transport()}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://sandbox.invalid/v21.0/"+users[ig.Channel]+"?fields=name,username,profile_pic", nil)
	req.Header.Set("Authorization", "Bearer "+AccessToken(ig.BusinessID))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]string
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if want := strings.ToLower(strings.ReplaceAll(first.Name, " ", ".")); err != nil || answer["name"] != first.Name ||
		answer["username"] != want || answer["profile_pic"] != first.PictureURL || answer["id"] != users[ig.Channel] {
		t.Errorf("Instagram answered %v (%v), want username %s", answer, err, want)
	}
	if got := b.screen(t, ig); got.ProfileReads != 3 {
		t.Errorf("the phone counted %d profile reads, want 3", got.ProfileReads)
	}

	for _, tc := range []struct {
		name  string
		ch    conversation.Channel
		creds channel.Credentials
		user  string
		kind  meta.Kind
	}{
		{"a user who never wrote", conversation.ChannelMessenger, credentials(fb), "7654321098765432", meta.Permanent},
		{"another channel's phone", conversation.ChannelMessenger, credentials(fb), users[ig.Channel], meta.Permanent},
		{"a WhatsApp number", conversation.ChannelMessenger, credentials(wa), users[wa.Channel], meta.Permanent},
		{"a Page token, not a sandbox one", conversation.ChannelMessenger, channel.Credentials{AccessToken: "EAAG-real-page-token"}, users[fb.Channel], meta.TokenInvalid},
	} {
		if _, err := profiler(tc.ch).Profile(ctx, tc.creds, tc.user); meta.Classify(err).Kind != tc.kind {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.kind)
		}
	}
	b.quiet(t)
}

// The made-up names are names: two words, ASCII, the same for the same
// user.
func TestMadeUpNames(t *testing.T) {
	for _, user := range []string{"1", "6543210987654321", "1234567890123456", "a.b-c_d"} {
		n := madeUpName(user)
		if len(strings.Fields(n)) != 2 || n != madeUpName(user) || username(n) != strings.ToLower(strings.ReplaceAll(n, " ", ".")) {
			t.Errorf("madeUpName(%q) = %q", user, n)
		}
	}
}

// A phone page follows the phone: GET ?after= with the version it showed
// answers at once when the phone has changed since, and otherwise as soon
// as it does; the user's messages carry their ticks.
func TestFollowPhone(t *testing.T) {
	b := setup(t)
	path := "/" + fb.WebhookKey + "/phones/" + users[fb.Channel]
	first := b.screen(t, fb)
	if first.Version != 0 || first.Handle != fb.Handle {
		t.Fatalf("a new phone: %+v", first)
	}
	b.act(t, fb, "messages", `{"text": "hi"}`)
	b.events(t, fb)
	var now screen
	if code := b.phone(t, http.MethodGet, path+"?after=0", "", &now); code != http.StatusOK || now.Version == 0 {
		t.Fatalf("after a change: %d %+v", code, now)
	}
	if l := now.Messages[0]; l.State != stateDelivered {
		t.Errorf("the message the route took: %+v, want delivered", l)
	}

	next := make(chan screen)
	go func() {
		var s screen
		b.phone(t, http.MethodGet, path+"?after="+strconv.FormatUint(now.Version, 10), "", &s)
		next <- s
	}()
	b.act(t, fb, "messages", `{"text": "anyone?"}`)
	b.events(t, fb)
	if s := <-next; s.Version <= now.Version || s.Messages[len(s.Messages)-1].Text != "anyone?" {
		t.Errorf("the wait answered %+v", s)
	}

	var res result
	if code := b.phone(t, http.MethodGet, path+"?after=soon", "", &res); code != http.StatusBadRequest || res.Error == "" {
		t.Errorf("after=soon: %d %+v", code, res)
	}
	b.quiet(t)
}

// A message the webhook route refused shows as failed on the phone.
func TestRefusedMessageShowsFailed(t *testing.T) {
	b := setup(t, wrongSecret{store{wa, fb, ig}})
	var res result
	b.phone(t, http.MethodPost, "/wh_whatsapp/phones/5511987654321/messages", `{"text": "hi"}`, &res)
	if s := b.screen(t, wa); len(s.Messages) != 1 || s.Messages[0].State != stateFailed {
		t.Errorf("the phone shows %+v, want the message failed", s.Messages)
	}
	b.quiet(t)
}
