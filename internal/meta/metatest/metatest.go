// Package metatest fakes the Graph API so that every adapter's sends and
// profile reads are tested the same way: the exact request that left
// (method, path, query, headers, JSON body) and what a documented answer
// turns into (R17, R27).
package metatest

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
)

// Version is the API version the fake is configured with.
const Version = "v21.0"

// Token is an access token for tests.
const Token = "EAAG-test-token"

// Graph is a fake Graph API answering every request with one canned reply.
type Graph struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	reply  string
	header http.Header
	last   *http.Request
	body   []byte
}

// NewGraph starts a fake closed when t ends.
func NewGraph(t testing.TB) *Graph {
	g := &Graph{status: http.StatusOK, reply: `{}`}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *Graph) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.last, g.body = r, body
	maps.Copy(w.Header(), g.header)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(g.status)
	_, _ = io.WriteString(w, g.reply)
}

// Config points adapters at the fake.
func (g *Graph) Config() channel.Config {
	return channel.Config{BaseURL: g.srv.URL, Version: Version, Client: g.srv.Client()}
}

// Send is one send through an adapter and what must come of it.
type Send struct {
	Name  string
	Creds channel.Credentials
	// Prompt is sent when set, else List as a list message (the adapter
	// must have SendList), else Text.
	Text   channel.Text
	Prompt *channel.Prompt
	List   *channel.Prompt
	// Status and Reply are the fake's answer (Meta's documented shapes);
	// Header adds headers to it.
	Status int
	Reply  string
	Header http.Header
	// Path and Body are the request expected; Body is compared as JSON.
	Path string
	Body string
	// Want is the result on success; Kind, when set, the classification
	// of the expected failure.
	Want channel.Sent
	Kind meta.Kind
}

// Run makes each send through a, an adapter configured with g.Config(),
// and checks request and outcome.
func Run(t *testing.T, g *Graph, a channel.Adapter, sends []Send) {
	t.Helper()
	for _, s := range sends {
		g.answer(s.Status, s.Reply, s.Header)
		var sent channel.Sent
		var err error
		switch {
		case s.Prompt != nil:
			sent, err = a.SendPrompt(context.Background(), s.Creds, *s.Prompt)
		case s.List != nil:
			lister, ok := a.(interface {
				SendList(ctx context.Context, c channel.Credentials, p channel.Prompt) (channel.Sent, error)
			})
			if !ok {
				t.Fatalf("%s: the adapter sends no lists", s.Name)
			}
			sent, err = lister.SendList(context.Background(), s.Creds, *s.List)
		default:
			sent, err = a.SendText(context.Background(), s.Creds, s.Text)
		}

		req, body := g.request()
		if req == nil {
			t.Errorf("%s: no request reached the Graph API (error %v)", s.Name, err)
			continue
		}
		checkRequest(t, s, req, body)
		switch {
		case s.Kind != 0:
			if c := meta.Classify(err); err == nil || c.Kind != s.Kind {
				t.Errorf("%s: error %v classified %v, want %v", s.Name, err, c.Kind, s.Kind)
			}
		case err != nil:
			t.Errorf("%s: %v", s.Name, err)
		case sent != s.Want:
			t.Errorf("%s: sent %+v, want %+v", s.Name, sent, s.Want)
		}
	}
}

// answer sets the fake's next answer and forgets the last request.
func (g *Graph) answer(status int, reply string, header http.Header) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status, g.reply, g.header, g.last = status, reply, header, nil
}

// request is the last request the fake took, and its body.
func (g *Graph) request() (*http.Request, []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last, g.body
}

// ProfileReader is an adapter that reads user profiles.
type ProfileReader interface {
	Profile(ctx context.Context, c channel.Credentials, userID string) (channel.Profile, error)
}

// Lookup is one profile read through an adapter and what must come of it.
type Lookup struct {
	Name  string
	Creds channel.Credentials
	User  string
	// Status and Reply are the fake's answer.
	Status int
	Reply  string
	// Path and Fields are the request expected: GET Path?fields=Fields.
	Path   string
	Fields string
	// Want is the result on success; Kind, when set, the classification
	// of the expected failure.
	Want channel.Profile
	Kind meta.Kind
}

// RunLookups reads each profile through a, an adapter configured with
// g.Config(), and checks request and outcome.
func RunLookups(t *testing.T, g *Graph, a ProfileReader, lookups []Lookup) {
	t.Helper()
	for _, l := range lookups {
		g.answer(l.Status, l.Reply, nil)
		p, err := a.Profile(context.Background(), l.Creds, l.User)
		req, _ := g.request()
		switch {
		case req == nil:
			t.Errorf("%s: no request reached the Graph API (error %v)", l.Name, err)
			continue
		case req.Method != http.MethodGet || req.URL.Path != l.Path:
			t.Errorf("%s: request %s %s, want GET %s", l.Name, req.Method, req.URL.Path, l.Path)
		case !reflect.DeepEqual(req.URL.Query(), url.Values{"fields": {l.Fields}}):
			// The token belongs in the header only.
			t.Errorf("%s: query %q, want fields=%s", l.Name, req.URL.RawQuery, l.Fields)
		case req.Header.Get("Authorization") != "Bearer "+l.Creds.AccessToken:
			t.Errorf("%s: Authorization %q", l.Name, req.Header.Get("Authorization"))
		}
		switch {
		case l.Kind != 0:
			if c := meta.Classify(err); err == nil || c.Kind != l.Kind {
				t.Errorf("%s: error %v classified %v, want %v", l.Name, err, c.Kind, l.Kind)
			}
		case err != nil:
			t.Errorf("%s: %v", l.Name, err)
		case p != l.Want:
			t.Errorf("%s: profile %+v, want %+v", l.Name, p, l.Want)
		}
	}
}

func checkRequest(t *testing.T, s Send, req *http.Request, body []byte) {
	t.Helper()
	if req.Method != http.MethodPost || req.URL.Path != s.Path {
		t.Errorf("%s: request %s %s, want POST %s", s.Name, req.Method, req.URL.Path, s.Path)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+s.Creds.AccessToken {
		t.Errorf("%s: Authorization %q", s.Name, got)
	}
	if got := req.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type %q", s.Name, got)
	}
	var got, want any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Errorf("%s: body %s: %v", s.Name, body, err)
		return
	}
	if err := json.Unmarshal([]byte(s.Body), &want); err != nil {
		t.Fatalf("%s: expected body: %v", s.Name, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: body\n got %s\nwant %s", s.Name, body, s.Body)
	}
}

// ParseFunc is an adapter's Parse.
type ParseFunc func(body []byte) ([]channel.Event, error)

// Fixtures parses each file of testdata/ and compares the events with
// want, keyed by file name. Every fixture must have an entry, so that
// none sits untested. A nil entry expects Parse to fail; an empty one
// expects no events.
func Fixtures(t *testing.T, parse ParseFunc, want map[string][]channel.Event) {
	t.Helper()
	files := fixtures(t)
	for name, body := range files {
		w, ok := want[name]
		if !ok {
			t.Errorf("testdata/%s: no expected events", name)
			continue
		}
		got, err := parse(body)
		if w == nil {
			if err == nil {
				t.Errorf("%s: parsed, want an error", name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if (len(got) > 0 || len(w) > 0) && !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, show(got), show(w))
		}
	}
	for name := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("testdata/%s is missing", name)
		}
	}
}

// Fuzz seeds f with the fixtures of testdata/ and checks that parse never
// panics, that every event is exactly one of a message and a status, that
// every file a message names has a kind and a source to fetch it from,
// and that every place is on Earth.
func Fuzz(f *testing.F, parse ParseFunc) {
	for _, body := range fixtures(f) {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := parse(body)
		if err != nil && len(events) > 0 {
			t.Errorf("events with an error: %v", err)
		}
		for _, e := range events {
			if (e.Message == nil) == (e.Status == nil) {
				t.Errorf("event %s: want exactly one of Message and Status", show(e))
			}
			if e.Message != nil {
				checkMedia(t, e.Message)
			}
		}
	})
}

func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata/ (%v)", err)
	}
	out := make(map[string][]byte, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func show(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// Message is an expected inbound event of business.
func Message(business string, in channel.Inbound) channel.Event {
	return channel.Event{Business: business, Message: &in}
}

// Report is an expected status event of business.
func Report(business string, st channel.Status) channel.Event {
	return channel.Event{Business: business, Status: &st}
}

func checkMedia(t *testing.T, in *channel.Inbound) {
	t.Helper()
	for _, m := range in.Media {
		if m.Kind == "" || m.Name == "" || m.MediaID == "" && m.URL == "" {
			t.Errorf("media %+v: want a kind, a name and a media id or URL", m)
		}
	}
	if l := in.Location; l != nil {
		if math.IsNaN(l.Latitude) || math.IsNaN(l.Longitude) || math.Abs(l.Latitude) > 90 || math.Abs(l.Longitude) > 180 {
			t.Errorf("location %+v: not a place on Earth", l)
		}
	}
}
