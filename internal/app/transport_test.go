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
		if code, body := get(t, base+"/"); code != http.StatusOK || !strings.Contains(body, "graphiql") {
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
	if code, _ := get(t, strings.TrimSuffix(b.url, "/graphql")+"/"); code != http.StatusNotFound {
		t.Errorf("GraphiQL off: %d", code)
	}
	if r := b.post(t, b.agent, `{ __schema { types { name } } }`, nil); len(r.Errors) == 0 {
		t.Errorf("introspection off, yet answered: %s", r.Data)
	}
	on := setup(t, sqlite)
	if r := on.post(t, on.agent, `{ __schema { queryType { name } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("introspection on: %+v", r.Errors)
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
