package metatest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/linkline/linkline/internal/channel"
)

// Script is a fake Graph API for sends of several calls (a file's upload,
// then its message; a file, then its text): it answers requests in turn
// from a list and records each, bytes and all.
type Script struct {
	srv      *httptest.Server
	mu       sync.Mutex
	answers  []Answer
	requests []Request
}

// Answer is one canned answer of a Script.
type Answer struct {
	Status int
	Reply  string
}

// Request is a request a Script took.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// NewScript starts a fake closed when t ends. A request beyond the
// answers given gets a 500.
func NewScript(t testing.TB) *Script {
	s := &Script{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Script) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	a := Answer{Status: http.StatusInternalServerError, Reply: `{"error":{"message":"unexpected request","code":1}}`}
	if len(s.answers) > 0 {
		a, s.answers = s.answers[0], s.answers[1:]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Reply)
}

// Config points adapters at the fake.
func (s *Script) Config() channel.Config {
	return channel.Config{BaseURL: s.srv.URL, Version: Version, Client: s.srv.Client()}
}

// Answer sets the answers to the next requests, in order, and forgets the
// requests taken so far.
func (s *Script) Answer(answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers, s.requests = answers, nil
}

// Requests are the requests taken since the last Answer.
func (s *Script) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// SameJSON reports whether got is the JSON of the fixture
// testdata/send/{name}, whatever the spacing and key order.
func SameJSON(t testing.TB, got []byte, name string) bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "send", name))
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatalf("testdata/send/%s: %v", name, err)
	}
	return json.Unmarshal(got, &g) == nil && reflect.DeepEqual(g, w)
}
