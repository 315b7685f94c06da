// Package faults is the fault run the project keeps (issue 9): a mixed
// load against two instances of the real server binary on one PostgreSQL
// database — widget sends, agent replies to WhatsApp, inbound webhooks
// with duplicates, subscribers resuming by cursor — while it kills an
// instance with SIGKILL and starts it again, restarts PostgreSQL, and
// makes the Graph API fail in bursts of 503s and timeouts. Then it checks
// the invariants the service promises (R17, R18, R21, R22, R34):
//
//   - every acknowledged message is stored exactly once;
//   - every reply ends in a final delivery state, with at most one
//     duplicate per crash, each detectable (two platform ids recorded);
//   - every subscriber's stream has no gap, duplicate or reordering;
//   - the surviving instance's goroutines and open files are back to
//     their baseline.
//
// It runs as `linkline faults` (`go run . faults -h` lists the flags) and,
// short, as this package's test.
package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkline/linkline/internal/bench"
)

// Config is one fault run.
type Config struct {
	// DatabaseURL names the PostgreSQL server; the run creates a new
	// database there and drops it afterwards.
	DatabaseURL string
	// Exe is the Linkline binary to start; empty for this one.
	Exe string
	// Duration is how long the load and the faults run; Every how often a
	// fault is injected, in turn: a 503 burst, a timeout burst, a kill, a
	// database restart.
	Duration, Every time.Duration
	// RestartDatabase restarts the PostgreSQL server; nil injects no
	// database restarts.
	RestartDatabase func(context.Context) error
	// Settle bounds the wait for the service to catch up after the load.
	Settle time.Duration
}

// serverArgs shorten the service's timeouts so that a crashed instance's
// replies are rescued within seconds; their order is the one the service
// checks (Graph timeout < job timeout < rescue horizon).
var serverArgs = []string{
	"-log-level", "error", "-retry-base", "100ms", "-pair-limit-sends", "0",
	"-graph-timeout", "1s", "-job-timeout", "2s", "-job-rescue-after", "4s",
	"-db-max-conns", "10",
}

// graphHold is how long the fake Graph API holds a send in a timeout
// burst: past the service's Graph timeout.
const graphHold = 3 * time.Second

// Report is what a run did and found.
type Report struct {
	WidgetSends, Replies, Inbound, WebhookDuplicates, Retries, Resumptions int
	Kills, DatabaseRestarts, Graph503Bursts, GraphTimeoutBursts            int
	Graph503s, GraphTimeouts                                               int
	// Checked is how long after the load the invariants were judged:
	// once the service had caught up (CaughtUp), or when -settle ran out.
	Checked  time.Duration
	CaughtUp bool
	// Invariants are each invariant's verdict, in order.
	Invariants []Verdict
}

// Verdict is one invariant checked.
type Verdict struct {
	Name   string
	Held   bool
	Detail string
}

// Broken is the invariants that did not hold.
func (r Report) Broken() []string {
	var out []string
	for _, v := range r.Invariants {
		if !v.Held {
			out = append(out, v.Name+": "+v.Detail)
		}
	}
	return out
}

// Run makes one fault run and prints its summary to out. It fails when the
// run could not be made or an invariant broke.
func Run(ctx context.Context, cfg Config, out io.Writer) (Report, error) {
	var rep Report
	db, err := bench.NewPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return rep, err
	}
	defer warn(out, "drop the run's database", db.Cleanup)
	g, err := newGraph(graphHold)
	if err != nil {
		return rep, err
	}
	defer g.close()
	c, err := startCluster(ctx, cfg.Exe, db, 2, append([]string{"-graph-url", g.url}, serverArgs...))
	if err != nil {
		return rep, err
	}
	defer warn(out, "stop the instances", c.stop)
	store, err := openStore(ctx, db.URL())
	if err != nil {
		return rep, err
	}
	defer store.close()

	fmt.Fprintf(out, "linkline faults: 2 instances on one PostgreSQL database, %s of load, a fault every %s\n", cfg.Duration, cfg.Every)
	base, err := usage(ctx, c.survivor())
	if err != nil {
		return rep, err
	}
	streamsCtx, closeStreams := context.WithCancel(ctx)
	defer closeStreams()
	o := newOps()
	w, err := prepare(ctx, streamsCtx, c, store, o)
	if err != nil {
		return rep, err
	}

	loadCtx, stopLoad := context.WithTimeout(ctx, cfg.Duration)
	defer stopLoad()
	// An operation under way when the load ends is still retried until
	// acknowledged, as its client would.
	opCtx, stopOps := context.WithTimeout(ctx, cfg.Duration+cfg.Settle)
	defer stopOps()
	var wg sync.WaitGroup
	for _, u := range w.widgets {
		wg.Go(func() {
			paced(loadCtx, 150*time.Millisecond, func(n int) { o.sendWidget(opCtx, c, u, n) })
		})
	}
	// An agent answers one customer about once a second: replies to one
	// conversation leave one after another (R34), each when the one ahead
	// is sent, so the load on replies comes from many conversations.
	for _, u := range w.phones {
		wg.Go(func() {
			paced(loadCtx, time.Second, func(n int) { o.reply(opCtx, c, w.agent, u, n) })
		})
		wg.Go(func() {
			paced(loadCtx, 1200*time.Millisecond, func(n int) { o.inboundMessage(opCtx, c, w.hook, u, n+1) })
		})
	}
	injected := inject(loadCtx, cfg, c, g, &rep)
	wg.Wait()
	if err := <-injected; err != nil {
		return rep, err
	}
	g.set(graphUp)

	settleCtx, stopSettle := context.WithTimeout(ctx, cfg.Settle)
	defer stopSettle()
	loadEnded := time.Now()
	rep.Invariants, rep.CaughtUp = check(settleCtx, store, o, g, w.streams, rep.Kills+rep.DatabaseRestarts)
	rep.Checked = time.Since(loadEnded)
	closeStreams()
	w.wait()
	c.closeIdle()
	w.hook.http.CloseIdleConnections()
	// Its own deadline: sockets and pooled connections close within
	// seconds of the clients leaving.
	baseCtx, stopBase := context.WithTimeout(ctx, 30*time.Second)
	defer stopBase()
	rep.Invariants = append(rep.Invariants, backToBaseline(baseCtx, c.survivor(), base))

	o.mu.Lock()
	rep.WidgetSends, rep.Replies, rep.Inbound = len(o.sends), len(o.replies), len(o.inbound)
	rep.WebhookDuplicates, rep.Retries = o.duplicates, o.retries
	o.mu.Unlock()
	for _, s := range w.streams {
		rep.Resumptions += s.resumed()
	}
	rep.Graph503s, rep.GraphTimeouts = g.failures(graph503), g.failures(graphHang)
	printReport(out, rep)
	if broken := rep.Broken(); len(broken) > 0 {
		return rep, fmt.Errorf("faults: %d invariants broken:\n  %s", len(broken), strings.Join(broken, "\n  "))
	}
	return rep, nil
}

// inject runs the faults, one every cfg.Every in turn, until ctx ends, and
// reports on the channel when the last one is over.
func inject(ctx context.Context, cfg Config, c *cluster, g *graph, rep *Report) <-chan error {
	done := make(chan error, 1)
	go func() {
		tick := time.NewTicker(cfg.Every)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				done <- nil
				return
			case <-tick.C:
			}
			var err error
			// The Graph API's bursts come first in each round, so that the
			// first round meets replies flowing, not ones still held up by a
			// crash.
			switch n % 4 {
			case 0:
				burst(ctx, g, graph503, cfg.Every/2)
				rep.Graph503Bursts++
			case 1:
				burst(ctx, g, graphHang, cfg.Every/2)
				rep.GraphTimeoutBursts++
			case 2:
				// Not ctx: a restart must finish even as the load ends.
				err = c.crash(context.WithoutCancel(ctx), 1)
				rep.Kills++
			case 3:
				if cfg.RestartDatabase != nil {
					err = cfg.RestartDatabase(context.WithoutCancel(ctx))
					rep.DatabaseRestarts++
				}
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	return done
}

// burst makes the Graph API fail in mode for d, and on until it failed a
// send at least (or ctx ends): a burst no send met tested nothing.
func burst(ctx context.Context, g *graph, mode graphMode, d time.Duration) {
	before := g.failures(mode)
	g.set(mode)
	defer g.set(graphUp)
	end := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(end) || g.failures(mode) == before {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func warn(out io.Writer, what string, f func() error) {
	if err := f(); err != nil {
		fmt.Fprintf(out, "warning: %s: %v\n", what, err)
	}
}

// errNoIntegration is a setup that could not connect the WhatsApp
// integration.
var errNoIntegration = errors.New("faults: connectIntegration returned no webhook URL")

// newHookClient posts webhooks; short timeouts, as Meta's.
func newHookClient() *http.Client { return &http.Client{Timeout: 20 * time.Second} }
