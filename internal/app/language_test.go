package app

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const setWidgetLanguage = `mutation($id: ID!, $lang: String!) { setWidgetLanguage(input: {widgetId: $id, language: $lang}) { widget { id language } } }`

const setConversationLanguage = `mutation($id: ID!, $lang: String!) { setConversationLanguage(input: {conversationId: $id, language: $lang}) { conversation { id language } } }`

// startIn begins a conversation as a new end user whose browser speaks
// lang.
func (b *testBundle) startIn(t *testing.T, lang string) conv {
	t.Helper()
	var out struct {
		StartConversation struct {
			SessionToken string
			Conversation struct{ ID, EventCursor, Language string }
		}
	}
	b.post(t, "", `mutation($key: String!, $lang: String) {
  startConversation(input: {widgetKey: $key, language: $lang}) { sessionToken conversation { id eventCursor language } }
}`, map[string]any{"key": b.widgetKey, "lang": lang}).decode(t, &out)
	s := out.StartConversation
	return conv{id: s.Conversation.ID, session: s.SessionToken, cursor: s.Conversation.EventCursor}
}

// language is a conversation's language as token reads it.
func (b *testBundle) language(t *testing.T, token string, c conv) string {
	t.Helper()
	var out struct{ Conversation struct{ Language string } }
	b.post(t, token, `query($id: ID!) { conversation(id: $id) { language } }`, map[string]any{"id": c.id}).decode(t, &out)
	return out.Conversation.Language
}

// R27: the admin sets a widget's language, and open widgets see it at
// once; a conversation speaks the end user's language when the catalog
// has it, else its widget's; the end user's widget may change it, for her
// own conversation only, and only to a language of the catalog.
func TestConversationLanguage(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		wid := b.widgetID(t)
		open := b.start(t, b.widgetKey, "Open widget")
		w := b.connect(t, transportWS, open.session)
		w.subscribe("cfg", `subscription { widgetConfig { language } }`, nil)
		widgetLanguage := func() string {
			t.Helper()
			m := w.read()
			var p struct {
				Data struct{ WidgetConfig struct{ Language string } }
			}
			if m.Type != "next" || json.Unmarshal(m.Payload, &p) != nil {
				t.Fatalf("widget config: %s %s", m.Type, m.Payload)
			}
			return p.Data.WidgetConfig.Language
		}
		if got := widgetLanguage(); got != "en" {
			t.Fatalf("a new widget's language: %q", got)
		}

		var set struct {
			SetWidgetLanguage struct{ Widget struct{ ID, Language string } }
		}
		b.post(t, b.admin, setWidgetLanguage, map[string]any{"id": wid, "lang": "el"}).decode(t, &set)
		if set.SetWidgetLanguage.Widget.Language != "el" {
			t.Errorf("setWidgetLanguage: %+v", set)
		}
		for got := widgetLanguage(); got != "el"; got = widgetLanguage() {
		}
		if r := b.post(t, b.admin, setWidgetLanguage, map[string]any{"id": wid, "lang": "fr"}); r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "language" || !strings.Contains(r.Errors[0].Message, "el, en") {
			t.Errorf("an unsupported widget language: %+v", r.Errors)
		}
		if r := b.post(t, b.agent, setWidgetLanguage, map[string]any{"id": wid, "lang": "en"}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent setting the widget's language: %+v", r.Errors)
		}
		var cfg struct{ Widget struct{ Language string } }
		b.post(t, "", `query($k: String!) { widget(key: $k) { language } }`, map[string]any{"k": b.widgetKey}).decode(t, &cfg)
		if cfg.Widget.Language != "el" {
			t.Errorf("widget language after refused changes: %q", cfg.Widget.Language)
		}

		// No language of its own: the widget's.
		if got := b.language(t, open.session, open); got != "el" {
			t.Errorf("a conversation without a language: %q", got)
		}
		// The browser's en-GB is English; an unknown fr follows the widget.
		maria := b.startIn(t, "en-GB")
		if got := b.language(t, maria.session, maria); got != "en" {
			t.Errorf("started in en-GB: %q", got)
		}
		if got := b.language(t, b.agent, b.startIn(t, "fr-FR")); got != "el" {
			t.Errorf("started in fr-FR: %q", got)
		}
		if r := b.post(t, "", `mutation($key: String!) { startConversation(input: {widgetKey: $key, language: "el GR;"}) { sessionToken } }`, map[string]any{"key": b.widgetKey}); r.code() != "BAD_USER_INPUT" {
			t.Errorf("a start with a malformed tag: %+v", r.Errors)
		}

		var conv struct {
			SetConversationLanguage struct{ Conversation struct{ ID, Language string } }
		}
		b.post(t, maria.session, setConversationLanguage, map[string]any{"id": maria.id, "lang": "EL"}).decode(t, &conv)
		if got := conv.SetConversationLanguage.Conversation; got.ID != maria.id || got.Language != "el" {
			t.Errorf("setConversationLanguage: %+v", got)
		}
		if got := b.language(t, b.agent, maria); got != "el" {
			t.Errorf("the agent reads %q", got)
		}

		// Refused: an unsupported language, another end user's
		// conversation, an agent. Nothing changes.
		r := b.post(t, maria.session, setConversationLanguage, map[string]any{"id": maria.id, "lang": "fr"})
		if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "language" || !strings.Contains(r.Errors[0].Message, "el, en") {
			t.Errorf("an unsupported language: %+v", r.Errors)
		}
		if r := b.post(t, open.session, setConversationLanguage, map[string]any{"id": maria.id, "lang": "en"}); r.code() != "NOT_FOUND" {
			t.Errorf("another end user's conversation: %+v", r.Errors)
		}
		if r := b.post(t, b.agent, setConversationLanguage, map[string]any{"id": maria.id, "lang": "en"}); r.code() != "FORBIDDEN" {
			t.Errorf("an agent: %+v", r.Errors)
		}
		if got := b.language(t, maria.session, maria); got != "el" {
			t.Errorf("after refused changes: %q", got)
		}
	})
}

// R5, R6, R26, R27: the WhatsApp deep link types its text in the
// conversation's language, the token in it still links, and everything said
// on the channel is in that language.
func TestDeepLinkInConversationLanguage(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b, it, c := linkedSetup(t, kind)
		b.post(t, c.session, setConversationLanguage, map[string]any{"id": c.id, "lang": "el-GR"}).decode(t, &struct{}{})
		req, r := b.requestLink(t, c, "WHATSAPP")
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		u, err := url.Parse(req.DeepLink)
		if err != nil {
			t.Fatal(err)
		}
		if text := u.Query().Get("text"); !strings.HasPrefix(text, "Συνέχεια της συζήτησής μου: ll-") {
			t.Errorf("prefilled text: %q", text)
		}
		ph := b.phone(t, it, "5511900000003")
		ph.post("open", map[string]any{"link": req.DeepLink})
		// The whole dialogue is in Greek: the question, its choices, the
		// answer, and the notice when an admin setting ends the link.
		choices := ph.waitForText("Να συνεχίσουμε τη συζήτησή σας")
		var titles []string
		for _, m := range ph.view().Messages {
			for _, c := range m.Choices {
				titles = append(titles, c.Title)
			}
		}
		if strings.Join(titles, "|") != "Ναι, συνέχεια εδώ|Όχι" {
			t.Errorf("choices: %q", titles)
		}
		ph.post("tap", map[string]any{"choiceId": choices[0]})
		ph.waitForText("Η σύνδεση έγινε")
		b.post(t, b.admin, setChannels, map[string]any{"id": b.widgetID(t), "ch": []string{}}).decode(t, &struct{}{})
		ph.waitForText("δεν συνδέεται πια")
	})
}
