package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/store/storetest"
)

// serverEnv turns the test binary into the service (see TestMain): the
// crash test starts the service as a process of its own, to kill it.
const serverEnv = "LINKLINE_TEST_SERVER"

// serveChild runs the service on the flags of the command line, as
// server.go does, until SIGTERM; a SIGKILL ends it anywhere.
func serveChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := ParseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "config:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := Open(ctx, cfg, log, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	srv := &http.Server{Addr: cfg.Addr, Handler: a.Handler(), BaseContext: func(net.Listener) context.Context { return a.BaseContext() }, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	select {
	case err := <-served:
		fmt.Fprintln(os.Stderr, "serve:", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a.StartClosing()
	if err := errors.Join(srv.Shutdown(shut), a.Close(shut)); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		return 1
	}
	return 0
}

// child is the service running in a process of its own.
type child struct {
	cmd    *exec.Cmd
	base   string
	exited chan struct{}
}

// startChild starts the service on args and waits until it is ready.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(os.Args[0], append([]string{"-addr", addr, "-demo=false", "-sandbox=false", "-log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), serverEnv+"=1", "DATABASE_URL=", "SQLITE_PATH=", "SECRETS_KEY="+testSecretsKey)
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, base: "http://" + addr, exited: make(chan struct{})}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Log("server:", sc.Text())
		}
	}()
	go func() {
		<-logged
		_ = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(c.kill)
	waitWithin(t, time.Minute, "the server to be ready", func() bool {
		select {
		case <-c.exited:
			t.Fatal("the server exited before it was ready")
		default:
		}
		resp, err := http.Get(c.base + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return c
}

// kill ends the process as kill -9 does, and waits for it.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// metric reads one sample of the server's /metrics ("name{labels}").
func (c *child) metric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// phones is a fake Graph API that keeps what each WhatsApp user's phone
// received. While held, it keeps sends waiting; a send that was waiting
// reaches the phone when released, whether its caller is still there or
// not: Meta had it.
type phones struct {
	srv *httptest.Server
	mu  sync.Mutex
	// got is each phone's thread; waiting counts the sends held.
	got     map[string][]string
	waiting int
	release chan struct{}
	sent    int
}

func newPhones(t *testing.T) *phones {
	p := &phones{got: map[string][]string{}, release: make(chan struct{})}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			To   string `json:"to"`
			Text struct {
				Body string `json:"body"`
			} `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"error":{"message":"bad body","code":100}}`, http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.waiting++
		p.mu.Unlock()
		<-p.release
		p.mu.Lock()
		p.waiting--
		p.got[body.To] = append(p.got[body.To], body.Text.Body)
		p.sent++
		id := p.sent
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.OUT%d"}]}`, body.To, body.To, id)
	}))
	t.Cleanup(func() {
		p.open()
		p.srv.Close()
	})
	return p
}

// open lets every send through, those waiting first.
func (p *phones) open() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.release:
	default:
		close(p.release)
	}
}

func (p *phones) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting
}

func (p *phones) thread(user string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got[user])
}

// R34, R17: the service is killed (-9) while its sends to the Graph API
// are in flight and restarted on the same database: within a bounded time
// every queued reply reaches its phone, each conversation's in the order
// written; a reply whose send was cut short arrives at most twice (one
// crash), and each such possible duplicate is counted where an operator
// sees it (linkline_delivery_resends_total, and a WARN line).
func TestDeliveryAfterKill(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		var dbArgs []string
		scfg := store.Config{}
		switch kind {
		case postgres:
			scfg.URL = storetest.PostgresURL(t)
			dbArgs = []string{"-database-url", scfg.URL}
		case sqlite:
			scfg.SQLitePath = filepath.Join(t.TempDir(), "linkline.db")
			dbArgs = []string{"-sqlite-path", scfg.SQLitePath}
		}
		db, err := store.Open(t.Context(), scfg)
		if err != nil {
			t.Fatal(err)
		}
		b := &testBundle{}
		b.acct, b.widgetKey, b.admin, b.agent = seedAccount(t, db, "Acme")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		graph := newPhones(t)
		// A short rescue horizon, so that the test waits seconds; the
		// order of the three is what the service checks.
		args := append([]string{"-graph-url", graph.srv.URL, "-retry-base", "50ms",
			"-graph-timeout", "2s", "-job-timeout", "3s", "-job-rescue-after", "4s"}, dbArgs...)
		first := startChild(t, args...)
		b.url = first.base + "/graphql"

		it := b.connectChannel(t, "WHATSAPP", phoneID, "15550001111")
		hook, secret := b.webhookURL(it), "app-secret-"+phoneID
		dash := b.connect(t, transportWS, b.agent)
		dash.subscribe("feed", accountEvents, map[string]any{"after": b.feedCursor(t, b.agent)})
		users := []string{"5511900000001", "5511900000002", "5511900000003"}
		convs := map[string]conv{}
		for i, u := range users {
			if code := postWebhook(t, hook, waText(phoneID, u, "User "+u, fmt.Sprint("wamid.IN", i), u), secret); code != http.StatusOK {
				t.Fatalf("inbound: %d", code)
			}
			e := dash.nextMessage("feed")
			convs[e.Message.Text] = conv{id: e.Conversation.ID}
		}
		for _, u := range users {
			for _, text := range []string{"A to " + u, "B to " + u} {
				if r := b.reply(t, b.agent, convs[u], text, strings.ReplaceAll(text, " ", "-")); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
			}
		}
		// Each conversation's first reply is in flight; the second waits
		// behind it.
		waitFor(t, "three sends in flight", func() bool { return graph.held() == len(users) })
		first.kill()
		graph.open() // Meta had them: they reach the phones

		restarted := time.Now()
		second := startChild(t, args...)
		b.url = second.base + "/graphql"
		waitWithin(t, 90*time.Second, "every reply on its phone", func() bool {
			for _, u := range users {
				th := graph.thread(u)
				if !slices.Contains(th, "A to "+u) || !slices.Contains(th, "B to "+u) {
					return false
				}
			}
			return true
		})
		t.Logf("every reply reached its phone %s after the restart", time.Since(restarted).Round(time.Second))

		for _, u := range users {
			th := graph.thread(u)
			// The first copy came from the killed process, the second from
			// the rescued job; then B.
			if want := []string{"A to " + u, "A to " + u, "B to " + u}; !slices.Equal(th, want) {
				t.Errorf("phone %s got %q, want %q", u, th, want)
			}
		}
		if n := second.metric(t, `linkline_delivery_resends_total{reason="unknown_outcome"}`); n != float64(len(users)) {
			t.Errorf("possible duplicates counted: %v, want %d", n, len(users))
		}
		waitFor(t, "every reply recorded as sent", func() bool {
			for _, u := range users {
				var hist struct {
					Conversation struct {
						Messages struct {
							Edges []struct {
								Node struct{ Text, DeliveryState string }
							}
						}
					}
				}
				b.post(t, b.agent, `query($id: ID!) { conversation(id: $id) { messages(last: 2) { edges { node { text deliveryState } } } } }`, map[string]any{"id": convs[u].id}).decode(t, &hist)
				for _, e := range hist.Conversation.Messages.Edges {
					if e.Node.DeliveryState != "SENT" {
						return false
					}
				}
			}
			return true
		})
	})
}
