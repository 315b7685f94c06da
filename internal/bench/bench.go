// Package bench measures the service end to end, the way clients meet it:
// it starts the real server as a child process and drives it over HTTP and
// websockets. It reports
//
//   - durable messages per second: sendMessage answers only after its
//     transaction committed, so every answered send is on disk;
//   - the p50/p99 latency from sending a message to the moment the
//     subscription frame carrying it arrives at the widget's websocket;
//   - the server's resident memory per open widget subscription.
//
// Every widget subscription must receive each of its messages exactly once,
// and the optional agent feed every message; anything else fails the run.
// It runs as `linkline bench` (`go run . bench -h` lists the flags).
package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"time"
)

// Run runs the benchmark with the command-line args that follow "bench"
// and writes its report to out. A failed check (lost, duplicated or
// misrouted messages, errors) is returned after the report.
func Run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	// Each subscription holds a socket here and one in the server, which
	// inherits the limit set here.
	if err := raiseFileLimit(uint64(cfg.subs + cfg.senders + 256)); err != nil {
		return err
	}
	db, err := prepareDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer warnOnError(out, "database cleanup", db.cleanup)
	srv, err := startServer(ctx, cfg, db)
	if err != nil {
		return err
	}
	defer warnOnError(out, "server stop", srv.stop)

	fmt.Fprintf(out, "linkline bench: db=%s protocol=%s subs=%d senders=%d %s runs=%d\n",
		db.kind, cfg.protocol, cfg.subs, cfg.senders, cfg.workload(), cfg.runs)
	fmt.Fprintf(out, "server pid %d at %s\n", srv.pid(), srv.baseURL)
	fmt.Fprintf(out, "note: the bench client shares this machine's %d CPUs with the server; its HTTP, JSON and socket work lowers every figure\n", runtime.NumCPU())

	b := &bench{cfg: cfg, out: out, srv: srv, db: db.kind, client: newGQLClient(srv.baseURL, cfg.senders), probs: &problems{}}
	defer b.closeSockets()
	return b.run(ctx)
}

func warnOnError(out io.Writer, what string, f func() error) {
	if err := f(); err != nil {
		fmt.Fprintf(out, "warning: %s: %v\n", what, err)
	}
}

// bench is one benchmark against one running server.
type bench struct {
	cfg    config
	out    io.Writer
	srv    *server
	db     string
	client *gqlClient
	probs  *problems

	convs  []conversation
	widget []*subscription
	agent  *subscription
	// ledger is the current run's; socket readers record deliveries in it.
	ledger atomic.Pointer[ledger]
	// closing tells socket readers that a closed socket is expected.
	closing atomic.Bool
}

func (b *bench) run(ctx context.Context) error {
	rssPerSub, err := b.setup(ctx)
	if err != nil {
		return err
	}
	results := make([]runResult, 0, b.cfg.runs)
	for i := 1; i <= b.cfg.runs; i++ {
		r, err := b.sendPhase(ctx, i)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	med := printResults(b.out, results, b.cfg.agentFeed)
	b.printAgentLag()
	if err := b.probs.err(); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "bench: subs=%d senders=%d runs=%d msgs/s=%.0f p50_ms=%.2f p99_ms=%.2f rss_per_sub_kib=%.1f db=%s protocol=%s\n",
		b.cfg.subs, b.cfg.senders, b.cfg.runs, med.rate, med.p50, med.p99, rssPerSub, b.db, b.cfg.protocol)
	return nil
}

// setup starts the conversations and opens the subscriptions, measuring
// the server's memory around the widget subscriptions only; it returns
// the KiB per subscription.
func (b *bench) setup(ctx context.Context) (float64, error) {
	t := time.Now()
	convs, err := startConversations(ctx, b.client, b.srv.widgetKey, b.cfg.subs, b.cfg.senders)
	if err != nil {
		return 0, err
	}
	b.convs = convs
	fmt.Fprintf(b.out, "started %d conversations in %s\n", len(convs), round(time.Since(t)))

	want := 0
	if b.cfg.agentFeed {
		if err := b.openAgentFeed(ctx); err != nil {
			return 0, err
		}
		want = 1
		if err := b.srv.awaitSubscriptions(ctx, want); err != nil {
			return 0, err
		}
	}
	before, err := b.srv.rssKiB()
	if err != nil {
		return 0, err
	}
	t = time.Now()
	if err := b.openWidgetSubs(ctx); err != nil {
		return 0, err
	}
	if err := b.srv.awaitSubscriptions(ctx, want+len(b.convs)); err != nil {
		return 0, err
	}
	after, err := b.srv.rssKiB()
	if err != nil {
		return 0, err
	}
	perSub := float64(after-before) / float64(len(b.convs))
	fmt.Fprintf(b.out, "opened %d widget subscriptions in %s (each acknowledged and registered)\n", len(b.convs), round(time.Since(t)))
	fmt.Fprintf(b.out, "server RSS: %.1f MiB before, %.1f MiB after: %.1f KiB per subscription\n",
		float64(before)/1024, float64(after)/1024, perSub)
	return perSub, nil
}

func (b *bench) openAgentFeed(ctx context.Context) error {
	cursor, err := b.client.feedCursor(ctx, b.srv.agentToken)
	if err != nil {
		return fmt.Errorf("feedCursor: %w", err)
	}
	conn, err := dial(ctx, b.srv.wsURL(), b.cfg.protocol, b.srv.agentToken)
	if err != nil {
		return fmt.Errorf("agent socket: %w", err)
	}
	b.agent = newSubscription(conn, b.cfg.protocol, agentQuery, map[string]any{"after": cursor}, b.probs, &b.closing,
		func(at time.Time, cid string) { b.currentLedger("agent feed").agentGot(cid, at) })
	return b.agent.start(ctx)
}

func (b *bench) openWidgetSubs(ctx context.Context) error {
	b.widget = make([]*subscription, len(b.convs))
	// Dialling is bounded: a burst of thousands of handshakes would only
	// measure the listen backlog.
	return parallel(len(b.convs), 64, func(i int) error {
		c := b.convs[i]
		conn, err := dial(ctx, b.srv.wsURL(), b.cfg.protocol, c.session)
		if err != nil {
			return fmt.Errorf("widget socket %d: %w", i, err)
		}
		b.widget[i] = newSubscription(conn, b.cfg.protocol, widgetQuery, map[string]any{"id": c.id, "after": c.cursor}, b.probs, &b.closing,
			func(at time.Time, cid string) { b.currentLedger("widget").widgetGot(cid, i, at) })
		return b.widget[i].start(ctx)
	})
}

// currentLedger is the running send phase's ledger; deliveries between
// runs are problems recorded in a throwaway one.
func (b *bench) currentLedger(who string) *ledger {
	if l := b.ledger.Load(); l != nil {
		return l
	}
	b.probs.add("%s: delivery outside a send phase", who)
	return newLedger(b.probs)
}

// printAgentLag says whether the agent feed fell behind and had to resume.
func (b *bench) printAgentLag() {
	if b.agent == nil {
		return
	}
	n := b.agent.resubscribes.Load()
	if n == 0 {
		fmt.Fprintln(b.out, "agent feed: received every message without falling behind")
		return
	}
	fmt.Fprintf(b.out, "agent feed: LAGGED: cut off as a slow consumer %d times, resumed by cursor each time\n", n)
}

// closeSockets closes the client ends first, so the server's graceful
// shutdown has no sockets left to wait for.
func (b *bench) closeSockets() {
	b.closing.Store(true)
	for _, s := range append(b.widget, b.agent) {
		if s != nil {
			_ = s.conn.CloseNow()
		}
	}
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
