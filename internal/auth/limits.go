package auth

import (
	"context"
	"fmt"
	"math"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/linkline/linkline/internal/apperr"
)

// Rate is a token bucket: Per events per Per-interval on average, in bursts
// of up to Burst. A zero Rate means unlimited.
type Rate struct {
	Events int
	Per    time.Duration
	Burst  int
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s burst %d", r.Events, r.Per, r.Burst) }

// Unlimited reports whether r imposes no limit.
func (r Rate) Unlimited() bool { return r.Events <= 0 }

// Action is something an untrusted caller does that costs us.
type Action string

const (
	ActionStart Action = "start"
	ActionSend  Action = "send"
	ActionLink  Action = "link"
	// ActionTyping is the widget saying its end user is typing (R31).
	ActionTyping Action = "typing"
	// ActionReceipt is the widget acknowledging or reading replies (R31).
	ActionReceipt Action = "receipt"
	// ActionWidget is a page following a widget's configuration by its
	// public key, before any conversation exists.
	ActionWidget Action = "widget"
	// ActionUpload is a file attached to a conversation: each costs
	// storage, so its rate is far below that of text.
	ActionUpload Action = "upload"
)

// LimitsConfig holds the abuse limits on end users (R24). Agents and admins
// are never counted against them.
type LimitsConfig struct {
	StartPerAddr   Rate
	StartPerSess   Rate
	SendPerSession Rate
	SendPerAddr    Rate
	LinkPerSession Rate
	LinkPerAddr    Rate
	// TypingPerSession and TypingPerAddr bound typing signals, and
	// receipts (each kind on its own): each one fans out to every
	// dashboard of the account.
	TypingPerSession Rate
	TypingPerAddr    Rate
	// WidgetPerAddr bounds widget subscriptions by key: each one holds a
	// socket slot and reads the database at every settings change.
	WidgetPerAddr Rate
	// UploadPerSession and UploadPerAddr bound files attached by end
	// users (R30).
	UploadPerSession Rate
	UploadPerAddr    Rate
	// Keys bounds the memory the limiter may use: least recently seen
	// callers are forgotten first.
	Keys int
}

// DefaultLimits are generous for people and tight for scripts.
var DefaultLimits = LimitsConfig{
	StartPerAddr:   Rate{Events: 20, Per: time.Minute, Burst: 10},
	StartPerSess:   Rate{Events: 10, Per: time.Minute, Burst: 5},
	SendPerSession: Rate{Events: 5, Per: time.Second, Burst: 20},
	SendPerAddr:    Rate{Events: 30, Per: time.Second, Burst: 100},
	// Link requests are rare for a person: a few channels, a retry or two.
	LinkPerSession: Rate{Events: 10, Per: time.Hour, Burst: 5},
	LinkPerAddr:    Rate{Events: 60, Per: time.Hour, Burst: 20},
	// A widget repeats its typing signal every few seconds while keys
	// are pressed (see typing.TTL); a script pressing harder is cut off.
	TypingPerSession: Rate{Events: 1, Per: time.Second, Burst: 5},
	TypingPerAddr:    Rate{Events: 20, Per: time.Second, Burst: 50},
	// A page load follows its widget once; reloads and many tabs behind
	// one address (an office) stay well inside.
	WidgetPerAddr: Rate{Events: 60, Per: time.Minute, Burst: 30},
	// A person attaches a few photos at once, then writes.
	UploadPerSession: Rate{Events: 10, Per: time.Minute, Burst: 10},
	UploadPerAddr:    Rate{Events: 60, Per: time.Minute, Burst: 30},
	Keys:             100_000,
}

// Bucket is one caller's token bucket for one action, in the shape a
// shared store keeps it: one event costs Every, and up to Burst events may
// come at once.
type Bucket struct {
	Key   string
	Every time.Duration
	Burst int
}

// SharedBuckets keeps token buckets that every instance on one database
// charges, so that a caller's limits hold across instances (R36) and not
// once per instance.
type SharedBuckets interface {
	// Take charges one event to each bucket if all of them have room and
	// returns zero; otherwise it charges none and returns how long until
	// they would have room.
	Take(ctx context.Context, buckets []Bucket) (wait time.Duration, err error)
}

// Limiter enforces LimitsConfig. Its buckets in process are a first gate:
// an instance never admits more than the configured rate by itself, and
// refuses a flood without asking anyone. With SharedBuckets, what passes
// that gate is charged to the instances' common buckets too, so a client
// behind a load balancer gets the configured rate in all, not once per
// instance. Without (SQLite: one process), the gate is the limit.
type Limiter struct {
	cfg     LimitsConfig
	buckets *lru.Cache[string, *rate.Limiter]
	shared  SharedBuckets
	// Rejected is called once per rejected action, for metrics.
	Rejected func(Action)
}

// NewLimiter returns a Limiter; shared may be nil.
func NewLimiter(cfg LimitsConfig, shared SharedBuckets) *Limiter {
	if cfg.Keys <= 0 {
		cfg.Keys = DefaultLimits.Keys
	}
	c, _ := lru.New[string, *rate.Limiter](cfg.Keys) // errors only on size <= 0
	return &Limiter{cfg: cfg, buckets: c, shared: shared}
}

// Allow charges the actor for one action, or returns RATE_LIMITED saying when
// to retry. Agents are never limited here.
func (l *Limiter) Allow(ctx context.Context, a *Actor, act Action) error {
	if a.Agent != nil {
		return nil
	}
	type check struct {
		key  string
		rate Rate
	}
	perAddr, perSession := l.rates(act)
	checks := []check{{string(act) + "/addr/" + a.ClientAddr, perAddr}}
	if a.Session != nil {
		checks = append(checks, check{fmt.Sprint(act, "/sess/", a.Session.ID), perSession})
	}
	// Look at every bucket before taking from any, so that a refused call
	// costs the caller nothing. (Two concurrent calls may both look and
	// one then take a token the other counted on: it errs by one, never
	// by more.)
	now := time.Now()
	local := make([]*rate.Limiter, 0, len(checks))
	var shared []Bucket
	for _, c := range checks {
		if c.rate.Unlimited() {
			continue
		}
		b := l.bucket(c.key, c.rate)
		if tokens := b.TokensAt(now); tokens < 1 {
			return l.refuse(act, time.Duration((1-tokens)/float64(b.Limit())*float64(time.Second)))
		}
		local = append(local, b)
		shared = append(shared, Bucket{Key: c.key, Every: c.rate.Per / time.Duration(c.rate.Events), Burst: max(c.rate.Burst, 1)})
	}
	if l.shared != nil && len(shared) > 0 {
		// The local gate passed: this instance alone is within the rate,
		// but the others may have spent the caller's allowance.
		wait, err := l.shared.Take(ctx, shared)
		if err != nil {
			return err
		}
		if wait > 0 {
			return l.refuse(act, wait)
		}
	}
	for _, b := range local {
		b.AllowN(now, 1)
	}
	return nil
}

// refuse counts a refusal and returns its error, with a retry after whole
// seconds (at least one: HTTP's Retry-After has no fractions).
func (l *Limiter) refuse(act Action, wait time.Duration) error {
	if l.Rejected != nil {
		l.Rejected(act)
	}
	return &apperr.Error{
		Code:       apperr.RateLimited,
		Message:    fmt.Sprintf("too many requests (%s); retry later", act),
		RetryAfter: max(time.Duration(math.Ceil(wait.Seconds()))*time.Second, time.Second),
	}
}

// rates are an action's limits per client address and per session.
func (l *Limiter) rates(act Action) (perAddr, perSession Rate) {
	switch act {
	case ActionStart:
		return l.cfg.StartPerAddr, l.cfg.StartPerSess
	case ActionSend:
		return l.cfg.SendPerAddr, l.cfg.SendPerSession
	case ActionLink:
		return l.cfg.LinkPerAddr, l.cfg.LinkPerSession
	case ActionTyping, ActionReceipt:
		// Receipts come at the pace of typing: a few per reply. Each
		// has a bucket of its own (keys name the action).
		return l.cfg.TypingPerAddr, l.cfg.TypingPerSession
	case ActionUpload:
		return l.cfg.UploadPerAddr, l.cfg.UploadPerSession
	case ActionWidget:
		// Per address only: the page has no session yet.
		return l.cfg.WidgetPerAddr, Rate{}
	}
	return Rate{}, Rate{}
}

func (l *Limiter) bucket(key string, r Rate) *rate.Limiter {
	if b, ok := l.buckets.Get(key); ok {
		return b
	}
	b := rate.NewLimiter(rate.Limit(float64(r.Events)/r.Per.Seconds()), max(r.Burst, 1))
	if prev, found, _ := l.buckets.PeekOrAdd(key, b); found {
		return prev // another call created it first
	}
	return b
}
