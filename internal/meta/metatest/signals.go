package metatest

import (
	"context"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
)

// Signal is one typing indicator or read mark through an adapter and what
// must come of it (R31).
type Signal struct {
	Name  string
	Creds channel.Credentials
	// Typing selects ShowTyping (with MessageID as the user's last
	// message); otherwise MarkRead of MessageID.
	Typing    bool
	User      string
	MessageID string
	// Status and Reply are the fake's answer.
	Status int
	Reply  string
	// Path and Body are the request expected (Body as JSON).
	Path string
	Body string
	// Kind, when set, is the classification of the expected failure.
	Kind meta.Kind
}

// RunSignals sends each signal through a, an adapter configured with
// g.Config(), and checks request and outcome.
func RunSignals(t *testing.T, g *Graph, a channel.Signals, signals []Signal) {
	t.Helper()
	for _, s := range signals {
		g.answer(s.Status, s.Reply, nil)
		var err error
		if s.Typing {
			err = a.ShowTyping(context.Background(), s.Creds, s.User, s.MessageID)
		} else {
			err = a.MarkRead(context.Background(), s.Creds, s.User, s.MessageID)
		}
		req, body := g.request()
		if req == nil {
			t.Errorf("%s: no request reached the Graph API (error %v)", s.Name, err)
			continue
		}
		checkRequest(t, Send{Name: s.Name, Creds: s.Creds, Path: s.Path, Body: s.Body}, req, body)
		switch {
		case s.Kind != 0:
			if c := meta.Classify(err); err == nil || c.Kind != s.Kind {
				t.Errorf("%s: error %v classified %v, want %v", s.Name, err, c.Kind, s.Kind)
			}
		case err != nil:
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}
