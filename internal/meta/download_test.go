package meta

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/linkline/linkline/internal/channel"
)

// R30: a file named by URL is streamed back with the token in the header
// (never the query); an expired URL is gone for good, an outage is not;
// only https URLs are followed.
func TestOpen(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			_, _ = io.WriteString(w, r.Header.Get("Authorization"))
		case "/expired":
			http.Error(w, "URL signature expired", http.StatusForbidden)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"message":"Service temporarily unavailable","code":2}}`)
		}
	}))
	defer srv.Close()
	c := NewClient(channel.Config{Client: srv.Client()})

	r, err := c.Open(t.Context(), srv.URL+"/file", "tok")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r)
	_ = r.Close()
	if string(body) != "Bearer tok" {
		t.Errorf("body %q", body)
	}
	if _, err := c.Open(t.Context(), srv.URL+"/expired", ""); !Gone(err) {
		t.Errorf("expired: %v", err)
	}
	if _, err := c.Open(t.Context(), srv.URL+"/outage", ""); err == nil || Gone(err) {
		t.Errorf("outage: %v", err)
	}
	if _, err := c.Open(t.Context(), "http://example.com/file", ""); err == nil {
		t.Error("an http URL was followed")
	}
	if Gone(errors.New("dial tcp: connection refused")) {
		t.Error("an unreachable platform is gone")
	}
}
