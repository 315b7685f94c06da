package bench

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ledger tracks one run's messages, by clientMessageId: when each was sent,
// when its send was answered, and when it reached its widget and the agent
// feed. Socket readers and senders share it.
type ledger struct {
	probs *problems
	mu    sync.Mutex
	msgs  map[string]*record
	// widgets and agents count first deliveries, for waiting on them.
	widgets, agents atomic.Int64
	// lastWidget is the latest first delivery to a widget.
	lastWidget time.Time
}

type record struct {
	conv                              int
	sent, answered, atWidget, atAgent time.Time
	failed                            bool
}

func newLedger(probs *problems) *ledger {
	return &ledger{probs: probs, msgs: map[string]*record{}}
}

// sending records a message just before its mutation goes out, so that its
// frame cannot arrive before its record.
func (l *ledger) sending(cid string, conv int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs[cid] = &record{conv: conv, sent: time.Now()}
}

func (l *ledger) answered(cid string, err error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.msgs[cid]
	r.answered, r.failed = now, err != nil
	if err != nil {
		l.probs.add("sendMessage %s: %v", cid, err)
	}
}

// widgetGot records the arrival of cid at the subscription of conversation
// conv, which must be the one it was sent to, once.
func (l *ledger) widgetGot(cid string, conv int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.msgs[cid]
	switch {
	case r == nil:
		l.probs.add("widget %d got unknown message %q", conv, cid)
	case r.conv != conv:
		l.probs.add("widget %d got %s, sent to conversation %d", conv, cid, r.conv)
	case !r.atWidget.IsZero():
		l.probs.add("widget %d got %s twice", conv, cid)
	default:
		r.atWidget = at
		if at.After(l.lastWidget) {
			l.lastWidget = at
		}
		l.widgets.Add(1)
	}
}

// lastWidgetFrame is when the run's last message reached its widget.
func (l *ledger) lastWidgetFrame() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastWidget
}

func (l *ledger) agentGot(cid string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.msgs[cid]
	switch {
	case r == nil:
		l.probs.add("agent feed got unknown message %q", cid)
	case !r.atAgent.IsZero():
		l.probs.add("agent feed got %s twice", cid)
	default:
		r.atAgent = at
		l.agents.Add(1)
	}
}

// check reports the answered messages that never arrived.
func (l *ledger) check(run int, agentFeed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var widget, agent []string
	for cid, r := range l.msgs {
		if r.failed {
			continue
		}
		if r.atWidget.IsZero() {
			widget = append(widget, cid)
		}
		if agentFeed && r.atAgent.IsZero() {
			agent = append(agent, cid)
		}
	}
	if len(widget) > 0 {
		l.probs.add("run %d: %d messages never reached their widget, e.g. %s", run, len(widget), strings.Join(widget[:min(5, len(widget))], " "))
	}
	if len(agent) > 0 {
		l.probs.add("run %d: %d messages never reached the agent feed, e.g. %s", run, len(agent), strings.Join(agent[:min(5, len(agent))], " "))
	}
}

// latencies are the run's delays: sendMessage round trips, and from send
// to arrival at the widget and at the agent feed.
func (l *ledger) latencies() (answer, widget, agent []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.msgs {
		if r.failed {
			continue
		}
		answer = append(answer, r.answered.Sub(r.sent))
		if !r.atWidget.IsZero() {
			widget = append(widget, r.atWidget.Sub(r.sent))
		}
		if !r.atAgent.IsZero() {
			agent = append(agent, r.atAgent.Sub(r.sent))
		}
	}
	return answer, widget, agent
}

// problems collects what makes a bench invalid, from any goroutine; the
// first few are kept for the report.
type problems struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if len(p.first) < 10 {
		p.first = append(p.first, fmt.Sprintf(format, args...))
	}
}

func (p *problems) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return nil
	}
	return fmt.Errorf("bench FAILED with %d problems:\n  %s", p.n, strings.Join(p.first, "\n  "))
}
