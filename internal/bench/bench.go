// Package bench measures the service end to end, the way clients meet it,
// side by side with a baseline: it starts the real server (and the
// in-memory gqlgen server of package baseline) as child processes and
// drives them over HTTP and websockets with the same client. It reports
//
//   - durable messages per second: sendMessage answers only after its
//     transaction committed, so every answered send is on disk (the
//     baseline answers once the subscriptions took the message);
//   - the p50/p99 latency from sending a message to the moment the
//     subscription frame carrying it arrives at the widget's websocket;
//   - the server's resident memory and goroutines per open widget
//     subscription;
//   - Linkline's ratios to the baseline, from the medians of alternating
//     runs.
//
// Every widget subscription must receive each of its messages exactly once,
// and the optional agent feed every message; anything else fails the run.
// It runs as `linkline bench` (`go run . bench -h` lists the flags).
package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/linkline/linkline/internal/bench/baseline"
)

// baselineCommand is the hidden argument after "bench" that makes this
// binary the baseline server: the bench starts it so, as its own process,
// to measure it the way it measures Linkline.
const baselineCommand = "baseline-server"

// Run runs the benchmark with the command-line args that follow "bench"
// and writes its report to out. A failed check (lost, duplicated or
// misrouted messages, errors) is returned after the report.
func Run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == baselineCommand {
		return serveBaseline(ctx, args[1:])
	}
	cfg, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	// Each subscription holds a socket here and one in the server, which
	// inherits the limit set here.
	if err := raiseFileLimit(uint64(cfg.subs + cfg.senders + 64)); err != nil {
		return err
	}
	targets := cfg.targets()
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.name
	}
	fmt.Fprintf(out, "linkline bench: %s; protocol=%s subs=%d senders=%d %s runs=%d\n",
		strings.Join(names, ", "), cfg.protocol, cfg.subs, cfg.senders, cfg.workload(), cfg.runs)
	fmt.Fprintf(out, "machine: %s; the bench client shares its CPUs with the server and the database: its HTTP, JSON and socket work lowers every figure\n", machine())

	results := make([][]runResult, len(targets))
	for run := 1; run <= cfg.runs; run++ {
		for _, i := range runOrder(len(targets), run) {
			r, err := measure(ctx, cfg, targets[i], run, out)
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", run, targets[i].name, err)
			}
			results[i] = append(results[i], r)
		}
	}
	printReport(out, cfg, targets, results)
	return nil
}

// serveBaseline is the baseline server's process.
func serveBaseline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("linkline bench "+baselineCommand, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return baseline.Serve(ctx, *addr)
}

// target is one server setup the bench measures in every round.
type target struct {
	name     string
	baseline bool
	// db is Linkline's database kind.
	db        string
	instances int
}

// runOrder is the order in which round run measures n targets: as listed
// in odd rounds, reversed in even ones, so that neither side always goes
// first on a machine that warms up or gets busier.
func runOrder(n, run int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
		if run%2 == 0 {
			order[i] = n - 1 - i
		}
	}
	return order
}

// machine describes the CPUs the figures were measured on.
func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), GOMAXPROCS %d, %s/%s", runtime.NumCPU(), model, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
}

// measure runs target once, each time in new processes on a new database:
// it starts the servers, opens the subscriptions, sends one run's messages
// and stops them again.
func measure(ctx context.Context, cfg config, t target, run int, out io.Writer) (runResult, error) {
	fmt.Fprintf(out, "\nrun %d: %s\n", run, t.name)
	b := &bench{cfg: cfg, target: t, out: out, probs: &problems{}}
	var db *Database
	if t.baseline {
		srv, err := startServer(ctx, baselineLaunch())
		if err != nil {
			return runResult{}, err
		}
		defer warnOnError(out, "baseline stop", srv.Stop)
		b.servers = []*Server{srv}
	} else {
		var err error
		if db, err = prepareDatabase(ctx, cfg); err != nil {
			return runResult{}, err
		}
		defer warnOnError(out, "database cleanup", db.cleanup)
		// Instances start one after the other: the first one migrates
		// the database and seeds the demo account the others share.
		for i := range t.instances {
			srv, err := startServer(ctx, linklineLaunch(cfg, db, i == 0))
			if err != nil {
				return runResult{}, err
			}
			defer warnOnError(out, "server stop", srv.Stop)
			b.servers = append(b.servers, srv)
		}
	}
	b.clients = make([]*Client, len(b.servers))
	pids := make([]string, len(b.servers))
	for i, s := range b.servers {
		b.clients[i] = NewClient(s.baseURL, cfg.senders)
		pids[i] = fmt.Sprint(s.pid())
	}
	fmt.Fprintf(out, "server pid %s\n", strings.Join(pids, ", "))
	defer b.closeSockets()
	if !t.baseline {
		var err error
		if b.keys, err = b.widgetKeys(ctx, db); err != nil {
			return runResult{}, err
		}
	}

	idle, err := b.setup(ctx)
	if err != nil {
		return runResult{}, err
	}
	r, err := b.sendPhase(ctx, run)
	if err != nil {
		return r, err
	}
	r.rssPerSub, r.goroutinesPerSub = idle.kib, idle.goroutines
	b.printAgentLag()
	if err := b.probs.err(); err != nil {
		return r, err
	}
	fmt.Fprintf(out, "sent %d in %.2fs: %.0f msgs/s answered, %.0f frames/s delivered; send→frame p50 %.2f ms, p99 %.2f ms; every message arrived exactly once\n",
		r.sent, r.elapsed.Seconds(), r.rate, r.delivered, ms(r.widget.p50), ms(r.widget.p99))
	return r, nil
}

func warnOnError(out io.Writer, what string, f func() error) {
	if err := f(); err != nil {
		fmt.Fprintf(out, "warning: %s: %v\n", what, err)
	}
}

// bench is one run against one target's running servers.
type bench struct {
	cfg    config
	target target
	out    io.Writer
	// servers are the target's instances, clients their GraphQL clients.
	servers []*Server
	clients []*Client
	probs   *problems

	// keys are the widgets' keys, the demo account's first, that
	// conversations start on, dealt round robin (-accounts).
	keys []string
	// convs are subscribed to on servers[i % len(servers)].
	convs  []conversation
	widget []*subscription
	agent  *subscription
	// ledger is the current run's; socket readers record deliveries in it.
	ledger atomic.Pointer[ledger]
	// closing tells socket readers that a closed socket is expected.
	closing atomic.Bool
}

// idleCost is what one idle widget subscription costs the servers.
type idleCost struct{ kib, goroutines float64 }

// setup starts the conversations and opens the subscriptions, measuring
// the servers' memory and goroutines around the widget subscriptions only.
func (b *bench) setup(ctx context.Context) (idleCost, error) {
	t := time.Now()
	if b.target.baseline {
		// The baseline accepts any conversation id and needs no session.
		b.convs = make([]conversation, b.cfg.subs)
		for i := range b.convs {
			b.convs[i] = conversation{id: fmt.Sprintf("conversation-%d", i)}
		}
	} else {
		convs, err := startConversations(ctx, b.clients[0], b.keys, b.cfg.subs, b.cfg.senders)
		if err != nil {
			return idleCost{}, err
		}
		b.convs = convs
		fmt.Fprintf(b.out, "started %d conversations in %s\n", len(convs), round(time.Since(t)))
	}

	agent := 0
	if b.cfg.agentFeed {
		if err := b.openAgentFeed(ctx); err != nil {
			return idleCost{}, err
		}
		agent = 1
		if err := b.servers[0].awaitSubscriptions(ctx, agent); err != nil {
			return idleCost{}, err
		}
	}
	before, err := b.rssKiB()
	if err != nil {
		return idleCost{}, err
	}
	goroutinesBefore, err := b.goroutines(ctx)
	if err != nil {
		return idleCost{}, err
	}
	t = time.Now()
	if err := b.openWidgetSubs(ctx); err != nil {
		return idleCost{}, err
	}
	for i, s := range b.servers {
		want := share(len(b.convs), len(b.servers), i)
		if i == 0 {
			want += agent
		}
		if err := s.awaitSubscriptions(ctx, want); err != nil {
			return idleCost{}, err
		}
	}
	after, err := b.rssKiB()
	if err != nil {
		return idleCost{}, err
	}
	goroutinesAfter, err := b.goroutines(ctx)
	if err != nil {
		return idleCost{}, err
	}
	n := float64(len(b.convs))
	cost := idleCost{kib: float64(after-before) / n, goroutines: float64(goroutinesAfter-goroutinesBefore) / n}
	fmt.Fprintf(b.out, "opened %d widget subscriptions in %s (each acknowledged and registered); server RSS %.1f MiB before, %.1f MiB after: %.1f KiB and %.2f goroutines per subscription\n",
		len(b.convs), round(time.Since(t)), float64(before)/1024, float64(after)/1024, cost.kib, cost.goroutines)
	return cost, nil
}

// widgetKeys are the keys of the widgets conversations start on: the demo
// account's, and one for each account made for -accounts.
func (b *bench) widgetKeys(ctx context.Context, db *Database) ([]string, error) {
	keys := []string{b.servers[0].widgetKey}
	for i := 2; i <= b.cfg.accounts; i++ {
		token, err := createAccount(ctx, db, fmt.Sprintf("Bench account %d", i))
		if err != nil {
			return nil, err
		}
		key, err := b.clients[0].createWidget(ctx, token, "Bench widget")
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// share is how many of total items, dealt round robin over n, go to the
// k-th.
func share(total, n, k int) int {
	return (total - k + n - 1) / n
}

// goroutines is the servers' goroutines together.
func (b *bench) goroutines(ctx context.Context) (int, error) {
	sum := 0
	for _, s := range b.servers {
		n, err := s.Metric(ctx, "go_goroutines")
		if err != nil {
			return 0, err
		}
		sum += int(n)
	}
	return sum, nil
}

// rssKiB is the servers' resident memory together.
func (b *bench) rssKiB() (int64, error) {
	var sum int64
	for _, s := range b.servers {
		kib, err := s.rssKiB()
		if err != nil {
			return 0, err
		}
		sum += kib
	}
	return sum, nil
}

func (b *bench) openAgentFeed(ctx context.Context) error {
	srv := b.servers[0]
	cursor, err := b.clients[0].feedCursor(ctx, srv.agentToken)
	if err != nil {
		return fmt.Errorf("feedCursor: %w", err)
	}
	conn, err := Dial(ctx, srv.WSURL(), b.cfg.protocol, srv.agentToken)
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
		conn, err := Dial(ctx, b.servers[i%len(b.servers)].WSURL(), b.cfg.protocol, c.session)
		if err != nil {
			return fmt.Errorf("widget socket %d: %w", i, err)
		}
		b.widget[i] = newSubscription(conn, b.cfg.protocol, widgetQuery, map[string]any{"id": c.id, "after": c.cursor}, b.probs, &b.closing,
			func(at time.Time, cid string) { b.currentLedger("widget").widgetGot(cid, i, at) })
		return b.widget[i].start(ctx)
	})
}

// currentLedger is the running send phase's ledger; deliveries outside it
// are problems recorded in a throwaway one.
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
