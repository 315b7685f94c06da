package meta

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/channel"
)

const token = "EAAG-secret-token"

func newClient(srv *httptest.Server) *Client {
	return NewClient(channel.Config{BaseURL: srv.URL, Version: "v21.0", Client: srv.Client()})
}

func TestPost(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		_, _ = io.WriteString(w, `{"recipient_id":"1254477777772919","message_id":"m_AG5Hz2U"}`)
	}))
	defer srv.Close()

	raw, err := newClient(srv).Post(context.Background(), "me/messages", token, map[string]any{"text": "olá"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/v21.0/me/messages" {
		t.Errorf("request %s %s", got.Method, got.URL.Path)
	}
	if h := got.Header.Get("Authorization"); h != "Bearer "+token {
		t.Errorf("Authorization %q", h)
	}
	if h := got.Header.Get("Content-Type"); h != "application/json" {
		t.Errorf("Content-Type %q", h)
	}
	if got.URL.RawQuery != "" {
		t.Errorf("query %q: the token belongs in the header only", got.URL.RawQuery)
	}
	var body map[string]any
	if err := json.Unmarshal(gotBody, &body); err != nil || body["text"] != "olá" {
		t.Errorf("body %s (%v)", gotBody, err)
	}
	if string(raw) != `{"recipient_id":"1254477777772919","message_id":"m_AG5Hz2U"}` {
		t.Errorf("raw %s", raw)
	}
}

func TestGet(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = io.WriteString(w, `{"first_name":"Ana","id":"6543210987654321"}`)
	}))
	defer srv.Close()

	raw, err := newClient(srv).Get(context.Background(), "6543210987654321", url.Values{"fields": {"first_name,last_name"}}, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodGet || got.URL.Path != "/v21.0/6543210987654321" || got.URL.RawQuery != "fields=first_name%2Clast_name" {
		t.Errorf("request %s %s?%s", got.Method, got.URL.Path, got.URL.RawQuery)
	}
	if h := got.Header.Get("Authorization"); h != "Bearer "+token {
		t.Errorf("Authorization %q", h)
	}
	if string(raw) != `{"first_name":"Ana","id":"6543210987654321"}` {
		t.Errorf("raw %s", raw)
	}

	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"message":"(#100) No profile available for that user.","type":"OAuthException","code":100,"fbtrace_id":"G1"}}`)
	})
	_, err = newClient(srv).Get(context.Background(), "6543210987654321", nil, token)
	if e, ok := errors.AsType[*Error](err); !ok || e.Code != 100 || Classify(err).Kind != Permanent {
		t.Errorf("error %T %v, want a permanent *Error", err, err)
	}
}

// Meta's error envelope becomes an *Error; the token never shows.
func TestPostError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header map[string]string
		body   string
		want   Error
	}{
		{
			name:   "whatsapp window closed",
			status: http.StatusBadRequest,
			body: `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,` +
				`"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},` +
				`"fbtrace_id":"A8xHjVrN3z"}}`,
			want: Error{HTTPStatus: 400, Code: 131047, Type: "OAuthException", Message: "(#131047) Re-engagement message",
				Details:   "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
				FBTraceID: "A8xHjVrN3z"},
		},
		{
			name:   "expired token",
			status: http.StatusUnauthorized,
			body: `{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException",` +
				`"code":190,"error_subcode":463,"fbtrace_id":"H2il2t5bn4e"}}`,
			want: Error{HTTPStatus: 401, Code: 190, Subcode: 463, Type: "OAuthException",
				Message: "Error validating access token: Session has expired.", FBTraceID: "H2il2t5bn4e"},
		},
		{
			name:   "rate limited with Retry-After",
			status: http.StatusTooManyRequests,
			header: map[string]string{"Retry-After": "17"},
			body:   `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"Az8or2yhqkZ"}}`,
			want: Error{HTTPStatus: 429, Code: 130429, Type: "OAuthException", Message: "(#130429) Rate limit hit",
				FBTraceID: "Az8or2yhqkZ", RetryAfter: 17 * time.Second},
		},
		{
			name:   "transient hint",
			status: http.StatusBadRequest,
			body:   `{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":9999,"is_transient":true,"fbtrace_id":"B1"}}`,
			want: Error{HTTPStatus: 400, Code: 9999, Type: "OAuthException", Message: "An unexpected error has occurred.",
				FBTraceID: "B1", Transient: true},
		},
		{
			name:   "proxy page",
			status: http.StatusBadGateway,
			body:   `<html><body>Bad Gateway</body></html>`,
			want:   Error{HTTPStatus: 502, Message: "Bad Gateway"},
		},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range tc.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		}))
		_, err := newClient(srv).Post(context.Background(), "106540352242922/messages", token, struct{}{})
		srv.Close()
		e, ok := errors.AsType[*Error](err)
		if !ok {
			t.Errorf("%s: error %T %v, want *Error", tc.name, err, err)
			continue
		}
		if !reflect.DeepEqual(*e, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *e, tc.want)
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("%s: error text carries the token: %v", tc.name, err)
		}
	}
}

// Not reaching Meta is an error of its own, classified transient.
func TestPostUnreachable(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	short := hung.Client()
	short.Timeout = 50 * time.Millisecond
	for _, tc := range []struct {
		name string
		c    *Client
	}{
		{"timeout", NewClient(channel.Config{BaseURL: hung.URL, Version: "v21.0", Client: short})},
		{"connection refused", NewClient(channel.Config{BaseURL: closed.URL, Version: "v21.0"})},
	} {
		_, err := tc.c.Post(context.Background(), "me/messages", token, struct{}{})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if c := Classify(err); c.Kind != Transient {
			t.Errorf("%s: %v classified %v", tc.name, err, c.Kind)
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("%s: error text carries the token: %v", tc.name, err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"Wed, 25 Nov 2026 12:01:30 GMT", 90 * time.Second},
		{"Wed, 25 Nov 2026 11:00:00 GMT", 0},
		{"soon", 0},
	} {
		if got := retryAfter(tc.header, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	for _, c := range []struct{ method, url, want string }{
		{http.MethodPost, "https://graph.facebook.com/v21.0/106540352242922/messages", "messages"},
		{http.MethodPost, "https://graph.facebook.com/v21.0/me/messages", "messages"},
		{http.MethodPost, "https://graph.facebook.com/v21.0/106540352242922/media", "media"},
		{http.MethodGet, "https://graph.facebook.com/v21.0/2456789?fields=first_name", "object"},
		{http.MethodPost, "https://graph.facebook.com/v21.0/106540352242922/register", "other"},
	} {
		r, _ := http.NewRequest(c.method, c.url, nil)
		if got := Endpoint(r); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.url, got, c.want)
		}
	}
}
