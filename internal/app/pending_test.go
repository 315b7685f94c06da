package app

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/linking"
)

const pendingQuery = `query($id: ID!) { conversation(id: $id) { pendingLinkRequests { id channel status deepLink qrCodeDataUri qrCodeUrl expiresAt } } }`

// pending reads a conversation's pending link requests with token, over a
// fresh HTTP request as a reloaded widget does.
func (b *testBundle) pending(t *testing.T, token string, c conv) ([]linkRequestOut, gqlResponse) {
	t.Helper()
	r := b.post(t, token, pendingQuery, map[string]any{"id": c.id})
	var out struct {
		Conversation struct{ PendingLinkRequests []linkRequestOut }
	}
	if len(r.Errors) == 0 {
		r.decode(t, &out)
	}
	return out.Conversation.PendingLinkRequests, r
}

// storedLink is the deep link the database keeps for a request.
func (b *testBundle) storedLink(t *testing.T, gid string) (conversation.RequestStatus, string) {
	t.Helper()
	id, err := relay.Decode(relay.TypeLinkRequest, gid)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.app.DB.LinkRequest(t.Context(), b.acct.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status, r.DeepLink
}

type linkState struct {
	Status   string
	DeepLink *string
}

// nextLinkState reads the next state of linkRequest subscription id whose
// status is not skip: the subscription sends states, not events, and may
// send one again after a wake-up that changed nothing (the request's own,
// on PostgreSQL, can arrive after the first read).
func (c *wsClient) nextLinkState(id, skip string) linkState {
	c.t.Helper()
	for {
		m := c.read()
		var p struct {
			Data   struct{ LinkRequest linkState }
			Errors []gqlError
		}
		if m.ID != id || m.Type != "next" || json.Unmarshal(m.Payload, &p) != nil || len(p.Errors) > 0 {
			c.t.Fatalf("want the link request for %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
		}
		if p.Data.LinkRequest.Status != skip {
			return p.Data.LinkRequest
		}
	}
}

// R27, R5, R20, R24: a reloaded widget reads its pending request again,
// deep link, QR code and expiry as requestLink answered, without spending
// the link-request budget; only its own session sees the link, and once
// the phone opens it or the end user goes back, it is gone, from the API
// and from the database.
func TestPendingLinkRequests(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind, func(cfg *Config) {
			cfg.Limits = auth.LimitsConfig{LinkPerSession: auth.Rate{Events: 1, Per: time.Hour, Burst: 1}}
		})
		req, r := b.requestLink(t, c, "WHATSAPP")
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		w := b.connect(t, transportWS, c.session)
		w.subscribe("lr", `subscription($id: ID!) { linkRequest(id: $id) { status deepLink } }`, map[string]any{"id": req.ID})
		if s := w.nextLinkState("lr", ""); s.Status != "PENDING" || s.DeepLink == nil || *s.DeepLink != req.DeepLink {
			t.Errorf("the linkRequest subscription while pending: %+v", s)
		}

		for i := range 20 {
			got, r := b.pending(t, c.session, c)
			if len(r.Errors) > 0 {
				t.Fatalf("read %d: %+v", i, r.Errors)
			}
			if len(got) != 1 || got[0].ID != req.ID || got[0].DeepLink != req.DeepLink || got[0].QRCodeDataURI != req.QRCodeDataURI ||
				got[0].QRCodeURL != req.QRCodeURL || !got[0].ExpiresAt.Equal(req.ExpiresAt) || got[0].Status != "PENDING" {
				t.Fatalf("read %d: %+v, want %+v", i, got, req)
			}
		}
		// The budget is spent by the one request, not by the reads.
		if _, r := b.requestLink(t, c, "WHATSAPP"); r.code() != "RATE_LIMITED" {
			t.Errorf("a second request within the limit: %+v", r.Errors)
		}

		if got, r := b.pending(t, b.agent, c); len(r.Errors) > 0 || got == nil || len(got) != 0 {
			t.Errorf("an agent reads pending requests: %+v %+v", got, r.Errors)
		}
		other := b.start(t, b.widgetKey, "Someone else")
		if _, r := b.pending(t, other.session, c); r.code() != "NOT_FOUND" {
			t.Errorf("another end user's session: %+v", r.Errors)
		}

		// The phone opens the link: no longer pending, the link is gone.
		ph := b.phone(t, it, "5511900000001")
		ph.post("open", map[string]any{"link": req.DeepLink})
		ph.waitForText("Continue your conversation")
		if s := w.nextLinkState("lr", "PENDING"); s.Status != "AWAITING_CONFIRMATION" || s.DeepLink != nil {
			t.Errorf("the linkRequest subscription once redeemed: %+v", s)
		}
		if got, r := b.pending(t, c.session, c); len(r.Errors) > 0 || len(got) != 0 {
			t.Errorf("pending after the phone opened the link: %+v %+v", got, r.Errors)
		}
		if st, link := b.storedLink(t, req.ID); st != conversation.RequestAwaiting || link != "" {
			t.Errorf("stored after redeeming: %s %q", st, link)
		}

		// The back button: cancelled, gone too.
		back, _ := b.requestLink(t, other, "WHATSAPP")
		if got, _ := b.pending(t, other.session, other); len(got) != 1 || got[0].DeepLink != back.DeepLink {
			t.Fatalf("pending before going back: %+v", got)
		}
		b.post(t, other.session, `mutation($id: ID!) { cancelLinkRequest(input: {linkRequestId: $id}) { linkRequest { status } } }`, map[string]any{"id": back.ID}).decode(t, &struct{}{})
		if got, r := b.pending(t, other.session, other); len(r.Errors) > 0 || len(got) != 0 {
			t.Errorf("pending after going back: %+v %+v", got, r.Errors)
		}
		if st, link := b.storedLink(t, back.ID); st != conversation.RequestCancelled || link != "" {
			t.Errorf("stored after going back: %s %q", st, link)
		}
	})
}

// R3, R5, R27: a request replaced by a new one, cancelled by the admin's
// settings or expired keeps no deep link: an expired one shows none even
// before anyone notices, and the phone that opens it too late clears it.
func TestPendingLinksEnd(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		clk := &clock{}
		b, it, c := linkedSetup(t, kind, func(cfg *Config) { cfg.linkClock = clk.now })

		first, _ := b.requestLink(t, c, "WHATSAPP")
		second, _ := b.requestLink(t, c, "WHATSAPP")
		if st, link := b.storedLink(t, first.ID); st != conversation.RequestCancelled || link != "" {
			t.Errorf("stored once replaced: %s %q", st, link)
		}
		if got, _ := b.pending(t, c.session, c); len(got) != 1 || got[0].ID != second.ID || got[0].DeepLink != second.DeepLink {
			t.Errorf("pending after asking again: %+v", got)
		}
		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{}}).decode(t, &struct{}{})
		if got, _ := b.pending(t, c.session, c); len(got) != 0 {
			t.Errorf("pending after the admin turned WhatsApp off: %+v", got)
		}
		if st, link := b.storedLink(t, second.ID); st != conversation.RequestCancelled || link != "" {
			t.Errorf("stored once turned off: %s %q", st, link)
		}

		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{"WHATSAPP"}}).decode(t, &struct{}{})
		late, _ := b.requestLink(t, c, "WHATSAPP")
		clk.advance(linking.RequestTTL + time.Minute)
		if got, r := b.pending(t, c.session, c); len(r.Errors) > 0 || len(got) != 0 {
			t.Errorf("pending past the expiry: %+v %+v", got, r.Errors)
		}
		ph := b.phone(t, it, "5511900000002")
		ph.post("open", map[string]any{"link": late.DeepLink})
		ph.waitForText("expired")
		if st, link := b.storedLink(t, late.ID); st != conversation.RequestExpired || link != "" {
			t.Errorf("stored once found expired: %s %q", st, link)
		}
	})
}

// R20, R27, SPEC §4: a link request is a Node. Its own conversation's
// session reads it through node(id); another session, an agent and another
// account's session get exactly the answer for an unknown id.
func TestLinkRequestNode(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, _, c := linkedSetup(t, kind)
		req, r := b.requestLink(t, c, "WHATSAPP")
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		const nodeQuery = `query($id: ID!) { node(id: $id) { id ... on LinkRequest { channel status deepLink } } }`
		var own struct {
			Node struct{ ID, Channel, Status, DeepLink string }
		}
		b.post(t, c.session, nodeQuery, map[string]any{"id": req.ID}).decode(t, &own)
		if own.Node.ID != req.ID || own.Node.Channel != "WHATSAPP" || own.Node.Status != "PENDING" || own.Node.DeepLink != req.DeepLink {
			t.Errorf("own link request through node(): %+v, want %+v", own.Node, req)
		}

		unknown := b.post(t, c.session, nodeQuery, map[string]any{"id": relay.ID(relay.TypeLinkRequest, 999999)})
		if unknown.code() != "NOT_FOUND" {
			t.Fatalf("unknown id: %+v", unknown.Errors)
		}
		other := b.start(t, b.widgetKey, "Nosy")
		_, otherKey, _, otherAgent := b.newAccount(t, "Globex")
		stranger := b.start(t, otherKey, "Stranger")
		for name, token := range map[string]string{
			"another session":            other.session,
			"an agent of the account":    b.agent,
			"another account's agent":    otherAgent,
			"another account's end user": stranger.session,
		} {
			r := b.post(t, token, nodeQuery, map[string]any{"id": req.ID})
			if len(r.Errors) != 1 || r.code() != "NOT_FOUND" || r.Errors[0].Message != unknown.Errors[0].Message || string(r.Data) != string(unknown.Data) {
				t.Errorf("%s: %+v data %s, want the unknown-id answer %+v %s", name, r.Errors, r.Data, unknown.Errors, unknown.Data)
			}
		}
	})
}
