package socket

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"testing"
)

// recordingConn is a connection that records each write it is given.
type recordingConn struct {
	net.Conn
	mu     sync.Mutex
	writes []string
	err    error
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

// A message's pieces go out in one write; what the library writes of its
// own outside a message (a pong) goes out at once, and inside one is sent
// with it, in order.
func TestTimedConnGathersAMessage(t *testing.T) {
	rec := &recordingConn{}
	c := &timedConn{Conn: rec}
	if _, err := c.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c.hold(&buf)
	for _, piece := range []string{"header", "pay", "load"} {
		if _, err := c.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.Write([]byte("+pong")) })
	wg.Wait()
	if len(rec.writes) != 1 {
		t.Fatalf("writes while holding reached the connection: %q", rec.writes)
	}
	if err := c.release(); err != nil {
		t.Fatal(err)
	}
	if err := c.release(); err != nil { // nothing held: nothing written
		t.Fatal(err)
	}
	want := []string{"pong", "headerpayload+pong"}
	if len(rec.writes) != 2 || rec.writes[0] != want[0] || rec.writes[1] != want[1] {
		t.Fatalf("writes %q, want %q", rec.writes, want)
	}
}

// A held message that cannot be written fails at release, where the socket
// learns it and closes.
func TestTimedConnReleaseFails(t *testing.T) {
	broken := errors.New("connection reset")
	c := &timedConn{Conn: &recordingConn{err: broken}}
	var buf bytes.Buffer
	c.hold(&buf)
	if _, err := c.Write([]byte("message")); err != nil {
		t.Fatalf("a held write failed: %v", err)
	}
	if err := c.release(); !errors.Is(err, broken) {
		t.Fatalf("release: %v, want %v", err, broken)
	}
}
