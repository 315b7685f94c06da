package faults

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"sync"
	"time"
)

// graphMode is how the fake Graph API answers sends for now.
type graphMode int

const (
	graphUp graphMode = iota
	// graph503 answers every send 503 with a transient Graph error.
	graph503
	// graphHang holds every send past the service's Graph timeout, then
	// drops it: Meta never had it, so its retry is no duplicate.
	graphHang
)

// graph is the Graph API the replies go to. It keeps how many times each
// reply text reached the phone, and fails in bursts when told to.
type graph struct {
	srv  *http.Server
	url  string
	hang time.Duration

	mu       sync.Mutex
	mode     graphMode
	received map[string]int
	failed   map[graphMode]int
	sent     int
}

// newGraph serves the fake on a free local port; hang is how long a send
// is held in a timeout burst (longer than the service's Graph timeout).
func newGraph(hang time.Duration) (*graph, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faults: graph: %w", err)
	}
	g := &graph{url: "http://" + ln.Addr().String(), hang: hang, received: map[string]int{}, failed: map[graphMode]int{}}
	g.srv = &http.Server{Handler: http.HandlerFunc(g.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = g.srv.Serve(ln) }()
	return g, nil
}

func (g *graph) close() { _ = g.srv.Close() }

func (g *graph) set(m graphMode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mode = m
}

func (g *graph) serve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		To   string `json:"to"`
		Text struct {
			Body string `json:"body"`
		} `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"bad body","type":"OAuthException","code":100}}`)
		return
	}
	g.mu.Lock()
	mode := g.mode
	if mode != graphUp {
		g.failed[mode]++
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch mode {
	case graph503:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":{"message":"Service temporarily unavailable","type":"OAuthException","code":2,"is_transient":true}}`)
		return
	case graphHang:
		select {
		case <-r.Context().Done():
		case <-time.After(g.hang):
		}
		return
	}
	g.mu.Lock()
	g.received[body.Text.Body]++
	g.sent++
	id := g.sent
	g.mu.Unlock()
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.OUT%d"}]}`, body.To, body.To, id)
}

// copies is how many times each reply text reached the phone.
func (g *graph) copies() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.received)
}

// failures is how many sends each burst kind failed.
func (g *graph) failures(m graphMode) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed[m]
}
