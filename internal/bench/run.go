package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runResult is one send phase's figures.
type runResult struct {
	sent    int
	elapsed time.Duration
	// rate is answered sends per second: each answer means committed
	// (for the baseline: handed to the subscriptions).
	rate float64
	// delivered is widget frames per second, from the first send to the
	// last frame's arrival: the fan-out throughput.
	delivered float64
	// answer is the sendMessage round trip; widget and agent run from the
	// send to the frame's arrival.
	answer, widget, agent summary
	// serverCPU (all instances) and benchCPU are percent of one CPU,
	// machineBusy percent of all, from the first send until the last
	// delivery.
	serverCPU, benchCPU, machineBusy float64
	// rssPerSub is the servers' resident memory per widget subscription,
	// in KiB, and goroutinesPerSub their goroutines per widget
	// subscription, measured before the send phase.
	rssPerSub, goroutinesPerSub float64
}

// sendPhase sends one run's messages and waits for every one of them to
// arrive.
func (b *bench) sendPhase(ctx context.Context, run int) (runResult, error) {
	l := newLedger(b.probs)
	b.ledger.Store(l)
	// Frames arriving between runs are problems: see currentLedger.
	defer b.ledger.Store(nil)

	srvCPU, benchCPU := b.serverCPU(), cpuTime(os.Getpid())
	busy, total := machineTicks()
	profiled := b.profile(ctx, run)
	start := time.Now()
	sent := b.send(ctx, l, run, start)
	if err := <-profiled; err != nil {
		fmt.Fprintf(b.out, "warning: %v\n", err)
	}
	r := runResult{sent: sent, elapsed: time.Since(start)}
	r.rate = float64(sent) / r.elapsed.Seconds()
	if err := b.probs.err(); err != nil {
		return r, err
	}
	if err := b.awaitDeliveries(ctx, l, int64(sent)); err != nil {
		return r, err
	}
	wall := time.Since(start).Seconds()
	r.serverCPU = 100 * (b.serverCPU() - srvCPU).Seconds() / wall
	r.benchCPU = 100 * (cpuTime(os.Getpid()) - benchCPU).Seconds() / wall
	busy2, total2 := machineTicks()
	r.machineBusy = 100 * float64(busy2-busy) / float64(max(total2-total, 1))
	l.check(run, b.cfg.agentFeed)
	answer, widget, agent := l.latencies()
	r.answer, r.widget, r.agent = summarize(answer), summarize(widget), summarize(agent)
	if last := l.lastWidgetFrame(); last.After(start) {
		r.delivered = float64(len(widget)) / last.Sub(start).Seconds()
	}
	return r, nil
}

// serverCPU is the CPU time the target's servers have used.
func (b *bench) serverCPU() time.Duration {
	var sum time.Duration
	for _, s := range b.servers {
		sum += cpuTime(s.pid())
	}
	return sum
}

// send runs the senders until the run's messages are sent (or its duration
// is over) and returns how many sends were answered. Message i goes to
// conversation i mod subs: round robin; sender j sends through instance
// j mod instances. The first failed send stops them all; the run is then
// invalid anyway.
func (b *bench) send(ctx context.Context, l *ledger, run int, start time.Time) int {
	var next, answered atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for j := range b.cfg.senders {
		client := b.clients[j%len(b.clients)]
		wg.Go(func() {
			for ctx.Err() == nil && !failed.Load() {
				i := next.Add(1) - 1
				if !b.more(i, start) {
					return
				}
				conv := int(i % int64(len(b.convs)))
				cid := fmt.Sprintf("r%d-%d", run, i)
				l.sending(cid, conv)
				err := client.send(ctx, b.convs[conv], "Bench message "+cid, cid)
				l.answered(cid, err)
				if err != nil {
					failed.Store(true)
					return
				}
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	return int(answered.Load())
}

// more tells whether message i of a run that started at start is to be sent.
func (b *bench) more(i int64, start time.Time) bool {
	if b.cfg.duration > 0 {
		return time.Since(start) < b.cfg.duration
	}
	return i < int64(b.cfg.messages)
}

// awaitDeliveries waits until every answered message reached its widget
// (and the agent feed), or until nothing more arrived for 10s; check then
// names what is missing.
func (b *bench) awaitDeliveries(ctx context.Context, l *ledger, sent int64) error {
	want := sent
	if b.cfg.agentFeed {
		want *= 2
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	last, lastChange := int64(-1), time.Now()
	for {
		got := l.widgets.Load() + l.agents.Load()
		switch {
		case got >= want:
			return nil
		case got != last:
			last, lastChange = got, time.Now()
		case time.Since(lastChange) > 10*time.Second:
			return nil
		}
		for _, s := range b.servers {
			if err := s.Failed(); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// profile records each server's CPU during the send phase when asked, and
// reports on the channel once every profile is written.
func (b *bench) profile(ctx context.Context, run int) <-chan error {
	done := make(chan error, 1)
	if b.cfg.profileDir == "" || b.target.baseline {
		done <- nil
		return done
	}
	go func() {
		errs := make(chan error, len(b.servers))
		for i, s := range b.servers {
			name := fmt.Sprintf("%s-run%d-%d.pprof", strings.NewReplacer("/", "-", "×", "x").Replace(b.target.name), run, i)
			go func() { errs <- s.profileCPU(ctx, b.cfg.duration, filepath.Join(b.cfg.profileDir, name)) }()
		}
		var all []error
		for range b.servers {
			all = append(all, <-errs)
		}
		done <- errors.Join(all...)
	}()
	return done
}
