package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkline/linkline/internal/delivery"
)

// fakeGraph is Meta's Graph API as the delivery tests need it: it records
// every request and answers from a script, then with a default answer.
type fakeGraph struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []graphRequest
	script   []graphAnswer
	sent     int
	// refuse, when set, answers a request before the script does when it
	// returns true.
	refuse func(graphRequest) (graphAnswer, bool)
}

type graphRequest struct {
	Path, Auth string
	Body       map[string]any
	// Status is what the fake answered.
	Status int
	// At is when the request arrived.
	At time.Time
}

// text is the text a send carried.
func (r graphRequest) text() string {
	text, _ := r.Body["text"].(map[string]any)
	s, _ := text["body"].(string)
	return s
}

type graphAnswer struct {
	status int
	body   string
}

func newFakeGraph(t *testing.T) *fakeGraph {
	g := &fakeGraph{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		g.mu.Lock()
		defer g.mu.Unlock()
		req := graphRequest{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Body: body, At: time.Now()}
		ans, refused := graphAnswer{http.StatusOK, ""}, false
		if g.refuse != nil {
			if a, ok := g.refuse(req); ok {
				ans, refused = a, true
			}
		}
		if !refused && len(g.script) > 0 {
			ans, g.script = g.script[0], g.script[1:]
		}
		req.Status = ans.status
		g.requests = append(g.requests, req)
		if ans.status == http.StatusOK && ans.body == "" {
			g.sent++
			ans.body = fmt.Sprintf(`{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"wamid.OUT%d"}]}`, g.sent)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ans.status)
		_, _ = io.WriteString(w, ans.body)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGraph) answer(a ...graphAnswer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.script = append(g.script, a...)
}

func (g *fakeGraph) calls() []graphRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]graphRequest(nil), g.requests...)
}

// waStatus is a WhatsApp status webhook about one outbound message.
func waStatus(phoneNumberID, wamid, status, recipient string, at time.Time, errJSON string) string {
	errs := ""
	if errJSON != "" {
		errs = `,"errors":[` + errJSON + `]`
	}
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"WABA1","changes":[{"field":"messages","value":{
"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},
"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":%q%s}]}}]}]}`, phoneNumberID, wamid, status, at.Unix(), recipient, errs)
}

// socialSetup is a service whose adapters reach a fake Graph API, with a
// WhatsApp integration and a conversation opened by an inbound message.
type socialSetup struct {
	b      *testBundle
	graph  *fakeGraph
	hook   string
	secret string
	conv   conv
	dash   *wsClient
}

const phoneID = "106540352242922"

func newSocialSetup(t *testing.T, kind storeKind, configure ...func(*Config)) *socialSetup {
	g := newFakeGraph(t)
	b := setup(t, kind, append([]func(*Config){func(c *Config) {
		c.GraphURL = g.srv.URL
		// Above WhatsApp's 4,096, so that the channel's own limit shows.
		c.MaxTextRunes = 8000
	}}, configure...)...)
	it := b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
	s := &socialSetup{b: b, graph: g, hook: b.webhookURL(it), secret: "app-secret-" + phoneID}
	s.dash = b.connect(t, transportWS, b.agent)
	s.dash.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
	if code := postWebhook(t, s.hook, waText(phoneID, "5511987654321", "Ana Souza", "wamid.IN1", "hello"), s.secret); code != http.StatusOK {
		t.Fatalf("inbound: %d", code)
	}
	s.conv = conv{id: s.dash.nextMessage("feed").Conversation.ID}
	return s
}

// nextDelivery reads subscription "d" (deliveryEvents) up to the next
// delivery state change.
func (s *socialSetup) nextDelivery(t *testing.T) (state, reason string) {
	t.Helper()
	for {
		m := s.dash.read()
		if m.ID != "d" {
			continue
		}
		var p struct {
			Data struct {
				AccountEvents struct {
					Kind    string
					Message struct{ DeliveryState, DeliveryError string }
				}
			}
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if e := p.Data.AccountEvents; e.Kind == "DELIVERY_STATE_CHANGED" {
			return e.Message.DeliveryState, e.Message.DeliveryError
		}
	}
}

const deliveryEvents = `subscription($after: String) { accountEvents(after: $after) { cursor kind message { id text channel deliveryState deliveryError } conversation { id } } }`

// R11, R17, R18: a reply to a WhatsApp conversation is queued with its
// message, sent through the real adapter (exact Graph API request), and its
// state moves sent → delivered → read as reports arrive, never backwards,
// live on the agent's feed — even when a report overtakes the recording of
// its send.
func TestDeliveryToWhatsApp(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		s := newSocialSetup(t, kind)
		b := s.b
		s.dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
		var out struct {
			ReplyToConversation struct {
				Message struct{ ID, Channel, DeliveryState string }
			}
		}
		b.post(t, b.agent, `mutation($id: ID!) { replyToConversation(input: {conversationId: $id, text: "Olá Ana!", clientMessageId: "r1"}) { message { id channel deliveryState } } }`,
			map[string]any{"id": s.conv.id}).decode(t, &out)
		if m := out.ReplyToConversation.Message; m.Channel != "WHATSAPP" || m.DeliveryState != "QUEUED" {
			t.Fatalf("reply: %+v", m)
		}
		waitFor(t, "the send", func() bool { return len(s.graph.calls()) == 1 })
		call := s.graph.calls()[0]
		if call.Path != "/v21.0/"+phoneID+"/messages" || call.Auth != "Bearer EAAG-secret-token" {
			t.Errorf("request: %s %s", call.Path, call.Auth)
		}
		if call.Body["to"] != "5511987654321" || call.Body["type"] != "text" || call.Body["messaging_product"] != "whatsapp" {
			t.Errorf("body: %v", call.Body)
		}
		if text, _ := call.Body["text"].(map[string]any); text["body"] != "Olá Ana!" {
			t.Errorf("text: %v", call.Body["text"])
		}
		states := func(want ...string) {
			t.Helper()
			for _, w := range want {
				if got, _ := s.nextDelivery(t); got != w {
					t.Fatalf("state %s, want %s", got, w)
				}
			}
		}
		states("SENT")
		now := time.Now()
		// Read arrives before delivered: delivered must not move it back.
		postWebhook(t, s.hook, waStatus(phoneID, "wamid.OUT1", "read", "5511987654321", now, ""), s.secret)
		states("READ")
		postWebhook(t, s.hook, waStatus(phoneID, "wamid.OUT1", "delivered", "5511987654321", now.Add(-time.Second), ""), s.secret)
		postWebhook(t, s.hook, waStatus(phoneID, "wamid.OUT1", "sent", "5511987654321", now.Add(-2*time.Second), ""), s.secret)
		b.waitForJobs(t)
		var hist struct {
			Conversation struct {
				Messages struct {
					Edges []struct {
						Node struct{ Text, DeliveryState string }
					}
				}
			}
		}
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 5) { edges { node { text deliveryState } } } } }`, map[string]any{"id": s.conv.id}).decode(t, &hist)
		e := hist.Conversation.Messages.Edges
		if len(e) != 2 || e[1].Node.DeliveryState != "READ" {
			t.Errorf("history: %+v", e)
		}

		// A report for a send whose id is not recorded yet waits for it.
		s.graph.answer(graphAnswer{http.StatusOK, `{"messages":[{"id":"wamid.EARLY"}]}`})
		postWebhook(t, s.hook, waStatus(phoneID, "wamid.EARLY", "delivered", "5511987654321", now, ""), s.secret)
		b.waitForJobs(t)
		b.reply(t, b.agent, s.conv, "second", "r2")
		states("DELIVERED") // the waiting report applies as the send is recorded
		b.waitForJobs(t)
		b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 1) { edges { node { text deliveryState } } } } }`, map[string]any{"id": s.conv.id}).decode(t, &hist)
		if e := hist.Conversation.Messages.Edges; len(e) != 1 || e[0].Node.DeliveryState != "DELIVERED" {
			t.Errorf("early report: %+v", e)
		}
	})
}

// R17: transient failures are retried until the send goes through, once;
// permanent ones fail the message with the reason, shown to the agent; a
// reply too long for WhatsApp is refused up front.
func TestDeliveryFailures(t *testing.T) {
	s := newSocialSetup(t, sqlite)
	b := s.b
	s.dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
	s.graph.answer(
		graphAnswer{http.StatusInternalServerError, `{"error":{"message":"Service unavailable","type":"OAuthException","code":2}}`},
		graphAnswer{http.StatusInternalServerError, `{"error":{"message":"Service unavailable","type":"OAuthException","code":2}}`},
	)
	if r := b.reply(t, b.agent, s.conv, "third time lucky", "t1"); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	waitFor(t, "the retried send", func() bool { return len(s.graph.calls()) == 3 })
	b.waitForJobs(t)
	if state, _ := s.nextDelivery(t); state != "SENT" {
		t.Fatalf("after two 500s: %s", state)
	}
	if n := len(s.graph.calls()); n != 3 {
		t.Errorf("%d sends, want 3 (two failed, one delivered)", n)
	}

	s.graph.answer(graphAnswer{http.StatusBadRequest, `{"error":{"message":"Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`})
	b.reply(t, b.agent, s.conv, "too late?", "t2")
	state, reason := s.nextDelivery(t)
	if state != "FAILED" || !strings.Contains(strings.ToLower(reason), "24") {
		t.Errorf("permanent failure: %s %q", state, reason)
	}

	// A failure reported later by a status webhook, with Meta's error.
	b.reply(t, b.agent, s.conv, "to a phone that cannot take it", "t5")
	if state, _ := s.nextDelivery(t); state != "SENT" {
		t.Fatalf("before the failed status: %s", state)
	}
	s.graph.mu.Lock()
	wamid := fmt.Sprintf("wamid.OUT%d", s.graph.sent)
	s.graph.mu.Unlock()
	postWebhook(t, s.hook, waStatus(phoneID, wamid, "failed", "5511987654321", time.Now(), `{"code":131026,"title":"Message undeliverable"}`), s.secret)
	if state, reason := s.nextDelivery(t); state != "FAILED" || reason == "" {
		t.Errorf("failed status: %s %q", state, reason)
	}

	if r := b.reply(t, b.agent, s.conv, strings.Repeat("a", 4097), "t3"); r.code() != "MESSAGE_TOO_LONG" {
		t.Errorf("too long for WhatsApp: %+v", r.Errors)
	}
	if r := b.reply(t, b.agent, s.conv, strings.Repeat("é", 4096), "t4"); len(r.Errors) > 0 {
		t.Errorf("4,096 characters: %+v", r.Errors)
	}
}

// R17: queued deliveries survive a restart: the service stops while every
// send is failing, comes back, and each message is then sent exactly once.
func TestDeliverySurvivesRestart(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		s := newSocialSetup(t, kind)
		b := s.b
		unavailable := graphAnswer{http.StatusServiceUnavailable, `{"error":{"message":"Temporarily unavailable","type":"OAuthException","code":1}}`}
		for range 20 {
			s.graph.answer(unavailable)
		}
		for i := range 5 {
			if r := b.reply(t, b.agent, s.conv, fmt.Sprint("queued ", i), fmt.Sprint("q", i)); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
		}
		waitFor(t, "failed attempts", func() bool { return len(s.graph.calls()) >= 5 })
		b.stop(t)
		s.graph.mu.Lock()
		s.graph.script = nil // Meta is back
		s.graph.mu.Unlock()
		b.serve(t)
		// The replies go out in the order written (R34): the first one's
		// backoff, grown while Meta was down, sets the pace.
		b.waitForJobsWithin(t, 30*time.Second)
		sent := map[string]int{}
		for _, c := range s.graph.calls() {
			if text, ok := c.Body["text"].(map[string]any); ok {
				sent[text["body"].(string)]++
			}
		}
		var ok int
		s.graph.mu.Lock()
		ok = s.graph.sent
		s.graph.mu.Unlock()
		if ok != 5 {
			t.Errorf("%d successful sends, want 5 (attempts: %v)", ok, sent)
		}
		for i := range 5 {
			if sent[fmt.Sprint("queued ", i)] == 0 {
				t.Errorf("queued %d was never sent", i)
			}
		}
	})
}

// R17: a rate limit is retried later. An invalid token (Graph error 190)
// marks the integration failing and holds the reply, still QUEUED, instead
// of failing it; further replies are refused until an admin updates the
// credentials, and then the held reply goes out with the new token.
func TestDeliveryTokenAndRateLimit(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		s := newSocialSetup(t, kind)
		b := s.b
		s.dash.subscribe("d", deliveryEvents, map[string]any{"after": b.feedCursor(t, b.agent)})

		s.graph.answer(graphAnswer{http.StatusTooManyRequests, `{"error":{"message":"Rate limit hit","type":"OAuthException","code":130429}}`})
		b.reply(t, b.agent, s.conv, "after the limit", "rl")
		if state, _ := s.nextDelivery(t); state != "SENT" {
			t.Errorf("after a rate limit: %s", state)
		}

		s.graph.answer(graphAnswer{http.StatusUnauthorized, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`})
		var held struct {
			ReplyToConversation struct{ Message struct{ ID string } }
		}
		b.reply(t, b.agent, s.conv, "with a dead token", "tok").decode(t, &held)
		var list struct {
			Integrations []struct{ ID, Status, LastError string }
		}
		waitFor(t, "the integration to be marked failing", func() bool {
			b.post(t, b.agent, `{ integrations { id status lastError } }`, nil).decode(t, &list)
			return len(list.Integrations) == 1 && list.Integrations[0].Status == "FAILING"
		})
		if list.Integrations[0].LastError == "" {
			t.Errorf("integration after a token error: %+v", list.Integrations)
		}
		var msg struct {
			Node struct{ DeliveryState, DeliveryError string }
		}
		b.post(t, b.agent, `query($id: ID!) { node(id: $id) { ... on Message { deliveryState deliveryError } } }`,
			map[string]any{"id": held.ReplyToConversation.Message.ID}).decode(t, &msg)
		if msg.Node.DeliveryState != "QUEUED" {
			t.Errorf("reply held by a failing integration: %+v", msg.Node)
		}
		if r := b.reply(t, b.agent, s.conv, "again", "tok2"); r.code() != "CHANNEL_NOT_ENABLED" {
			t.Errorf("reply through a failing integration: %+v", r.Errors)
		}

		// The held job is asleep once River has recorded its snooze; a
		// job still running when the credentials change is not woken, and
		// would wait out its hold.
		waitFor(t, "the held job to sleep", func() bool {
			res, err := b.app.jobs.JobList(t.Context(), river.NewJobListParams().States(rivertype.JobStateRunning))
			if err != nil {
				t.Fatal(err)
			}
			return len(res.Jobs) == 0
		})
		r := b.post(t, b.admin, `mutation($id: ID!) { updateIntegration(input: {integrationId: $id, accessToken: "EAAG-fixed-token"}) { integration { status } } }`,
			map[string]any{"id": list.Integrations[0].ID})
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if state, reason := s.nextDelivery(t); state != "SENT" {
			t.Fatalf("held reply after new credentials: %s %q", state, reason)
		}
		calls := s.graph.calls()
		if last := calls[len(calls)-1]; last.text() != "with a dead token" || last.Auth != "Bearer EAAG-fixed-token" {
			t.Errorf("released send: %q with %q", last.text(), last.Auth)
		}
	})
}

// R17, R24: a burst of replies to one recipient is paced under the pair
// limit, none refused and none failed: no more than Sends reach Meta in any
// Per, and the run goes out in order without a single rate-limit error.
func TestPairLimitPacesBursts(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		limit := delivery.PairLimit{Sends: 2, Per: time.Second}
		s := newSocialSetup(t, kind, func(c *Config) { c.PairLimit = limit })
		b := s.b
		// Meta's own pair limit, a little laxer than ours (our clock starts
		// before the request travels): a third send within the window is
		// refused with 131056.
		s.graph.refuse = func(r graphRequest) (graphAnswer, bool) {
			if n := s.graph.sentWithin(limit.Per-200*time.Millisecond, r.At); n >= limit.Sends {
				return graphAnswer{http.StatusBadRequest, `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056}}`}, true
			}
			return graphAnswer{}, false
		}
		const burst = 5
		for i := range burst {
			if r := b.reply(t, b.agent, s.conv, fmt.Sprint("burst ", i), fmt.Sprint("p", i)); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
		}
		waitFor(t, "the whole burst to be sent", func() bool {
			s.graph.mu.Lock()
			defer s.graph.mu.Unlock()
			return s.graph.sent == burst
		})
		calls := s.graph.calls()
		for i, c := range calls {
			if c.Status != http.StatusOK || c.text() != fmt.Sprint("burst ", i) {
				t.Errorf("send %d: %q answered %d", i, c.text(), c.Status)
			}
		}
	})
}

// sentWithin counts the sends the fake accepted in the window before at;
// the caller holds g.mu.
func (g *fakeGraph) sentWithin(window time.Duration, at time.Time) int {
	n := 0
	for _, r := range g.requests {
		if r.Status == http.StatusOK && at.Sub(r.At) < window {
			n++
		}
	}
	return n
}
