package app

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Operations: health, readiness and metrics answer; readiness fails once
// shutdown begins.
func TestOperationsEndpoints(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		base := strings.TrimSuffix(b.url, "/graphql")
		c := b.start(t, b.widgetKey, "Metered")
		b.mustSend(t, c, "count me", "m1")
		if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
			t.Errorf("healthz: %d", code)
		}
		// Ready once the database answers and, on PostgreSQL, the
		// listener has connected, which may follow the first requests.
		waitFor(t, "readyz to answer 200", func() bool {
			code, _ := get(t, base+"/readyz")
			return code == http.StatusOK
		})
		code, body := get(t, base+"/metrics")
		if code != http.StatusOK || !strings.Contains(body, "linkline_writes_committed_total 2") || !strings.Contains(body, "go_goroutines") {
			t.Errorf("metrics: %d\n%s", code, body)
		}
		// R37: the front page links every page above GraphiQL.
		if code, body := get(t, base+"/"); code != http.StatusOK || !strings.Contains(body, `src="/graphiql"`) || !strings.Contains(body, `href="/phone"`) {
			t.Errorf("the front page: %d\n%s", code, body)
		}
		if code, body := get(t, base+"/graphiql"); code != http.StatusOK || !strings.Contains(body, "GraphiQL") {
			t.Errorf("GraphiQL: %d", code)
		}
		b.app.StartClosing()
		if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("readyz while closing: %d", code)
		}
	})
}

// GraphiQL and introspection can be turned off.
func TestIntrospectionAndGraphiQLSwitches(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) {
		c.GraphiQL = false
		c.HTTP.Introspection = false
	})
	for _, path := range []string{"/", "/graphiql"} {
		if code, _ := get(t, strings.TrimSuffix(b.url, "/graphql")+path); code != http.StatusNotFound {
			t.Errorf("GraphiQL off: %s answered %d", path, code)
		}
	}
	if r := b.post(t, b.agent, `{ __schema { types { name } } }`, nil); len(r.Errors) == 0 {
		t.Errorf("introspection off, yet answered: %s", r.Data)
	}
	on := setup(t, sqlite)
	if r := on.post(t, on.agent, `{ __schema { queryType { name } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("introspection on: %+v", r.Errors)
	}
}

// R35, R23: with introspection off, asking for the schema is the client's
// mistake, coded as such rather than INTERNAL, and no error names what
// introspection hides: validation suggests no field, argument or enum value.
func TestIntrospectionOffRevealsNoNames(t *testing.T) {
	b := setup(t, sqlite, func(c *Config) { c.HTTP.Introspection = false })
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`{ __type(name: "Conversation") { fields { name } } }`,
		`query { ...peek } fragment peek on Query { ... on Query { __schema { queryType { name } } } }`,
	} {
		r := b.post(t, b.agent, q, nil)
		if r.code() != "INTROSPECTION_DISABLED" || r.Errors[0].Extensions["requestId"] != nil || strings.Contains(string(r.Data), "Conversation") {
			t.Errorf("%s: %+v data %s", q, r.Errors, r.Data)
		}
	}
	if r := b.post(t, b.agent, `{ __typename }`, nil); len(r.Errors) > 0 {
		t.Errorf("__typename is not introspection: %+v", r.Errors)
	}
	on := setup(t, sqlite)
	c := b.start(t, b.widgetKey, "Curious")
	for _, q := range []string{
		`{ conversatoins { edges { node { id } } } }`,
		`query($id: ID!) { conversation(id: $id) { mesages { edges { node { id } } } } }`,
		`query($id: ID!) { conversation(id: $id) { messages(frist: 1) { edges { node { id } } } } }`,
		`mutation($id: ID!) { requestLink(input: {conversationId: $id, channel: WHATSAP}) { linkRequest { id } } }`,
	} {
		vars := map[string]any{"id": c.id}
		r := b.post(t, c.session, q, vars)
		if len(r.Errors) == 0 {
			t.Fatalf("%s: answered", q)
		}
		for _, e := range r.Errors {
			if strings.Contains(e.Message, "Did you mean") || e.code() == "INTERNAL" {
				t.Errorf("%s: %s (%s)", q, e.Message, e.code())
			}
		}
		// The same mistakes do get suggestions where introspection is on,
		// so the check above is not vacuous.
		if r := on.post(t, on.agent, q, vars); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") {
			t.Errorf("%s with introspection on: %+v", q, r.Errors)
		}
	}
}

// Automatic persisted queries: a hash alone is unknown until the query has
// been sent once with it.
func TestPersistedQueries(t *testing.T) {
	b := setup(t, sqlite)
	query := `{ feedCursor }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	hashOnly := mustJSON(map[string]any{"extensions": ext})
	if r := b.postRaw(t, b.agent, hashOnly, nil); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %+v", r.Errors)
	}
	if r := b.postRaw(t, b.agent, mustJSON(map[string]any{"query": query, "extensions": ext}), nil); len(r.Errors) > 0 {
		t.Fatalf("registering: %+v", r.Errors)
	}
	if r := b.postRaw(t, b.agent, hashOnly, nil); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "feedCursor") {
		t.Fatalf("by hash: %+v %s", r.Errors, r.Data)
	}
}
