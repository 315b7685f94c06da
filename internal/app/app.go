// Package app assembles the service from its parts: configuration, the
// database, the write path, the notification backbone and the HTTP routes.
// server.go runs it; end-to-end tests start it on a test server the same
// way.
package app

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkline/linkline/graph"
	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/assignment"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/audit"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/channel/sandbox"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/delivery"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/linking"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/metrics"
	"github.com/linkline/linkline/internal/pages"
	"github.com/linkline/linkline/internal/receipt"
	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/template"
	"github.com/linkline/linkline/internal/tracing"
	"github.com/linkline/linkline/internal/typing"
	"github.com/linkline/linkline/internal/unread"
	"github.com/linkline/linkline/internal/webhook"
	"github.com/linkline/linkline/internal/widget"
)

// App is the running service.
type App struct {
	cfg      Config
	log      *slog.Logger
	DB       *store.DB
	Metrics  *metrics.Metrics
	appender *store.Appender
	auto     *assignment.Auto
	feed     *feed.Backbone
	listener *store.Listener
	gql      *graph.Handler
	authn    *auth.Authenticator
	webhooks *webhook.Handler
	sandbox  *sandbox.Sandbox
	inbox    *store.Inbox
	// buckets are the rate limits shared across instances, nil on SQLite.
	buckets *store.RateBuckets
	jobs    *river.Client[*sql.Tx]
	files   *attachment.Files
	uploads *graph.Files
	mux     *http.ServeMux
	handler http.Handler
	// stopTracing flushes the spans not yet exported.
	stopTracing func(context.Context) error

	// base is the parent of every request context: cancelling it closes
	// the websockets, which http.Server.Shutdown does not.
	base       context.Context
	cancelBase context.CancelFunc
	// bg runs the backbone's re-reads, the listener and the pruner.
	bg       context.Context
	cancelBg context.CancelFunc
	wg       sync.WaitGroup
	closing  atomic.Bool
	// resealed is closed when the startup pass of reseal is over.
	resealed chan struct{}
}

// Open opens the database, creates the demo account on first run (printing
// its tokens to out), and starts the background work. Each part is built
// after what it needs.
func Open(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) (*App, error) {
	// Every line logged in a request or job names its trace and request.
	log = slog.New(tracing.LogHandler(log.Handler()))
	keys, err := cfg.secretKeys(log)
	if err != nil {
		return nil, err
	}
	tp, stopTracing := cfg.tracer, func(context.Context) error { return nil }
	if tp == nil {
		if tp, stopTracing, err = tracing.Provider(ctx, cfg.OTLPEndpoint); err != nil {
			return nil, fmt.Errorf("tracing: %w", err)
		}
	}
	db, err := store.Open(ctx, store.Config{URL: cfg.DBURL, SQLitePath: cfg.SQLitePath, MaxConns: cfg.DBMaxConns, Logger: log, Secrets: keys})
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, DB: db, Metrics: metrics.New(), resealed: make(chan struct{}), stopTracing: stopTracing}
	a.base, a.cancelBase = context.WithCancel(context.Background())
	a.bg, a.cancelBg = context.WithCancel(context.Background())
	m := a.Metrics
	linkClock := time.Now
	if cfg.linkClock != nil {
		linkClock = cfg.linkClock
	}
	// Instances on one PostgreSQL share their callers' buckets (R36); on
	// SQLite there is one process, whose own buckets are the limit.
	var shared auth.SharedBuckets
	if db.Postgres() {
		a.buckets = store.NewRateBuckets(db)
		shared = a.buckets
	}
	limiter := auth.NewLimiter(cfg.Limits, shared)
	limiter.Rejected = func(act auth.Action) { m.RateLimited.WithLabelValues(string(act)).Inc() }

	// News of changes: events for subscriptions, wake-ups for widgets.
	a.feed = feed.NewBackbone(feed.NewBroker(feed.BrokerConfig{Buffer: cfg.SubscriptionBuffer, ConversationBuffer: cfg.ConversationSubscriptionBuffer}, db, log, feed.Metrics{
		Subscribed:   func(d int) { m.Subscriptions.Add(float64(d)) },
		SlowConsumer: m.SlowConsumers.Inc,
		Started:      func(resumed bool) { m.SubscriptionResumes.WithLabelValues(strconv.FormatBool(resumed)).Inc() },
		CaughtUp:     func(n int) { m.SubscriptionLag.Observe(float64(n)) },
	}), db.AnnounceSettings, db.AnnouncePresence)
	m.WatchPool(db.Pool())
	if _, ok := db.LogPages(); ok {
		m.WatchSQLiteLog(func() float64 {
			pages, _ := db.LogPages()
			return float64(pages)
		})
	}
	m.WatchQueues(func(ctx context.Context) ([]metrics.Waiting, error) {
		ws, err := db.Waiting(ctx)
		out := make([]metrics.Waiting, len(ws))
		for i, w := range ws {
			out[i] = metrics.Waiting(w)
		}
		return out, err
	}, log)
	m.WatchIntegrations(func(ctx context.Context) ([]metrics.Integrations, error) {
		ns, err := db.IntegrationCounts(ctx)
		out := make([]metrics.Integrations, len(ns))
		for i, n := range ns {
			out[i] = metrics.Integrations(n)
		}
		return out, err
	}, log)

	// Durable jobs. The client comes before its workers: the writer inserts
	// jobs in its own transactions, and the workers need the writer. River
	// looks workers up only when jobs are inserted or worked, both after
	// start, by when every worker below is registered.
	workers := river.NewWorkers()
	a.jobs, err = river.NewClient(db.RiverDriver(), &river.Config{
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}},
		Workers:      workers,
		Logger:       log,
		ErrorHandler: jobErrors{log},
		// Polling: see store.RiverDriver.
		FetchPollInterval: 100 * time.Millisecond,
		FetchCooldown:     50 * time.Millisecond,
		// Above the Graph API client's timeout, below the rescue of jobs
		// whose process died (Config.validate): a send is never running
		// twice at once, and replies in flight at a crash go out within
		// minutes, not River's default hour (R34).
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobRescueAfter,
		RetryPolicy:          delivery.RetryPolicy{Base: cfg.RetryBase, Max: delivery.DefaultRetryPolicy.Max},
		// A job's attempts continue the trace that queued it.
		Middleware: []rivertype.Middleware{tracing.NewJobs(tp)},
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}

	// The write path, and webhooks kept before they are processed.
	// Conversations this instance starts go to auto-assignment too (R29).
	var auto *assignment.Auto
	committed := func(evs []*feed.Event) {
		a.feed.Committed(evs)
		auto.Committed(evs)
	}
	a.appender = store.NewAppender(db, committed, func(ctx context.Context, tx *sql.Tx, msgs []*conversation.Message, origins []context.Context) error {
		return delivery.Enqueue(ctx, a.jobs, tx, msgs, origins)
	}, log, cfg.WriteBatch)
	auto = assignment.NewAuto(db, a.appender, time.Now, log)
	a.auto = auto
	a.appender.Committed = func(n int) {
		m.Messages.Add(float64(n))
		m.WriteBatch.Observe(float64(n))
	}
	a.appender.Queued = func(ch conversation.Channel) { m.Replies.WithLabelValues(string(ch), "queued").Inc() }
	a.inbox = store.NewInbox(db, func(ctx context.Context, tx *sql.Tx, inboxID int64) error {
		_, err := a.jobs.InsertTx(ctx, tx, webhook.ProcessArgs{InboxID: inboxID}, nil)
		return err
	})
	a.webhooks = webhook.NewHandler(db, a.inbox, log, time.Now)
	a.webhooks.Counted = func(result string) { m.Webhooks.WithLabelValues(result).Inc() }

	// Channels: the sandbox's simulated platforms post to the webhook route
	// in process, and the adapters reach them through its transport.
	a.sandbox = sandbox.New(sandboxIntegrations{db}, sandbox.DeliverTo(webhookRoute(a.webhooks)), log)
	adapters := cfg.adapters(a.sandbox.Transport(), func(rt http.RoundTripper) http.RoundTripper {
		return graphAPITransport(rt, m, tp)
	})
	integrations := integration.NewService(db, time.Now, sandbox.AccessToken)
	integrations.SecretOverlap = cfg.SecretOverlap
	integrations.Changed = a.feed.Change

	// The domain.
	widgets := widget.NewService(db)
	deliveries := delivery.NewService(db, a.appender, integrations, adapters, log, time.Now)
	deliveries.Metrics = delivery.Metrics{
		Outcome: func(ch conversation.Channel, outcome string) { m.Replies.WithLabelValues(string(ch), outcome).Inc() },
		Failed:  func(ch conversation.Channel, class string) { m.ReplyFailures.WithLabelValues(string(ch), class).Inc() },
		Accepted: func(ch conversation.Channel, d time.Duration) {
			m.DeliveryLatency.WithLabelValues(string(ch)).Observe(d.Seconds())
		},
		Attempted: func(ch conversation.Channel, integrationID int64, outcome string) {
			m.SendAttempts.WithLabelValues(string(ch), strconv.FormatInt(integrationID, 10), outcome).Inc()
		},
		Retried: func(reason string) { m.DeliveryRetries.WithLabelValues(reason).Inc() },
		Snoozed: func(reason string) { m.DeliverySnoozes.WithLabelValues(reason).Inc() },
	}
	convs := conversation.NewService(conversation.Config{MaxTextRunes: cfg.MaxTextRunes, SessionTTL: cfg.SessionTTL}, db, a.appender, widgets, deliveries, limiter, time.Now)
	templates := template.NewService(db, adapters, convs, a.appender, log, time.Now)
	// A WhatsApp number's templates are read when an admin saves it (R33).
	integrations.Saved = templates.Saved
	languages := linking.NewLanguages(db)
	// A widget reply nobody reads is followed up on a linked channel (R33).
	fallbacks := unread.NewService(db, a.appender, deliveries, languages, unread.NewJobs(a.jobs), log, time.Now, cmp.Or(cfg.unreadMinute, time.Minute))
	convs.Replied = fallbacks.Replied
	river.AddWorker(workers, unread.NewWorker(fallbacks))
	unlinks := linking.NewUnlinks(convs, a.appender)
	disabler := linking.NewDisabler(db, unlinks, deliveries, languages)
	// An integration disabled, removed or refused turns its channel off
	// for links across the account (R3).
	integrations.Off = func(ctx context.Context, accountID int64, ch conversation.Channel) error {
		return disabler.ChannelOff(ctx, accountID, 0, ch)
	}
	settings := widget.NewSettings(db, disabler, languages, a.feed.Change)
	// A revoked grant ends here at once, and on the other instances when
	// they hear of it (R28).
	authn := auth.NewAuthenticator(db, widgets, time.Now)
	a.authn = authn
	revoke := func(ctx context.Context, r auth.Revocation) error {
		authn.Revoke(r)
		return db.AnnounceRevoked(ctx, r)
	}
	admin := widget.NewAdmin(db, disabler, languages, time.Now, a.feed.Change, revoke)
	team := account.NewTeam(db, time.Now, auth.NewAgentToken, func(ctx context.Context, _, agentID int64) error {
		return revoke(ctx, auth.Revocation{Grant: auth.GrantAgent, ID: agentID})
	})
	tokens := auth.NewTokens(db, time.Now, revoke)
	linkOutcome := func(ch conversation.Channel, outcome string) {
		m.LinkRequests.WithLabelValues(string(ch), outcome).Inc()
	}
	requests := linking.NewRequests(db, settings, limiter, a.feed.Change, linkClock)
	requests.Outcome = linkOutcome
	confirmations := linking.NewConfirmations(db, a.appender, deliveries, languages, a.feed.Change, linkClock)
	confirmations.Outcome = linkOutcome
	processor := webhook.NewProcessor(a.inbox, db, adapters, convs, deliveries, confirmations, webhook.NewProfiles(db, log, time.Now), log)
	processor.Processed = func(ch conversation.Channel, d time.Duration) {
		m.WebhookProcessing.WithLabelValues(string(ch)).Observe(d.Seconds())
	}
	river.AddWorker(workers, processor)
	deliveryJobs := delivery.NewJobs(a.jobs)
	river.AddWorker(workers, deliveryJobs)
	sender := delivery.NewWorker(deliveries, db, deliveryJobs, cfg.PairLimit)
	sender.Resent = func(reason string) { m.DeliveryResends.WithLabelValues(reason).Inc() }
	river.AddWorker(workers, sender)
	// Replies held while Meta refused an integration's token go out once
	// an admin updates its credentials (R17).
	integrations.Restored = sender.Release
	// Replies held for a closed window go out when the end user writes
	// again (R33).
	processor.Wrote = sender.ReleaseHeld

	typist := typing.NewService(convs, limiter, a.feed, deliveries, log, time.Now)

	// Attachments (R30).
	urlKey, err := fileURLKey(keys, log)
	if err == nil {
		a.files, err = attachment.OpenFiles(ctx, cfg.filesURL(log))
	}
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	attachments := attachment.NewService(cfg.Attachments, a.files, db, convs, limiter, attachment.NewSigner(urlKey, time.Now), time.Now)
	// Replies' files go out through the platforms' media APIs.
	sender.Files = replyFiles{store: db, files: a.files, svc: attachments, publicURL: cfg.PublicURL}
	sender.Parts = db
	// Files end users send on social channels are fetched by a job each,
	// queued once their message is stored.
	receiver := attachment.NewReceiver(attachment.ReceiveConfig{MaxBytes: cfg.Attachments.MaxBytes, MaxAttempts: attachment.DefaultReceiveConfig.MaxAttempts},
		a.files, db, db, adapters, a.appender, a.jobs, meta.Gone, log, time.Now)
	river.AddWorker(workers, receiver)
	processor.Fetch = receiver.Fetch

	// The API.
	res := &graph.Resolver{Conv: convs, WidgetKeys: widgets, Accounts: db, Feed: a.feed,
		Channels: integrations, Deliveries: deliveries, Settings: settings, PublicURL: cfg.PublicURL,
		Links: requests, Languages: languages, Unlinks: unlinks, Menus: widget.NewMenus(widgets, limiter),
		Admin: admin, Team: team, Tokens: tokens,
		Assignments: assignment.NewService(convs, db, a.appender), Audit: audit.NewLog(db, time.Now, log),
		Presenter: assignment.NewPresenter(convs, a.feed, typist, time.Now), Auto: auto, Typing: typist,
		Receipts: receipt.NewService(convs, db, deliveries, limiter, log), Unread: fallbacks, Templates: templates,
		Attachments: attachments}
	a.gql, err = graph.NewHandler(cfg.HTTP, res, authn, log, m, tp)
	if err != nil {
		_, _ = a.files.Close(), db.Close()
		return nil, err
	}

	a.uploads = graph.NewFiles(a.gql, attachments, cfg.PublicURL)

	if cfg.Demo {
		if err := seedDemo(ctx, db, demoServices{team: team, widgets: admin, settings: settings, integrations: integrations}, cfg.PublicURL, out); err != nil {
			_, _ = a.files.Close(), db.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
	}

	a.routes()
	a.handler = traced(a.mux, tp)
	if err := a.start(); err != nil {
		_, _ = a.files.Close(), db.Close()
		return nil, err
	}
	return a, nil
}

// webhookPath is where each integration's platform posts its webhooks.
const webhookPath = "/webhooks/{key}"

// webhookRoute serves the webhook route alone: what the sandbox posts to.
func webhookRoute(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(webhookPath, h)
	return mux
}

func (a *App) routes() {
	a.mux = http.NewServeMux()
	a.mux.Handle("/graphql", a.gql)
	a.mux.Handle(webhookPath, a.webhooks)
	a.mux.HandleFunc("/uploads", a.uploads.ServeUpload)
	a.mux.HandleFunc("GET /files/{token}/{name}", a.uploads.ServeDownload)
	if a.cfg.Sandbox {
		a.mux.Handle("/sandbox/", http.StripPrefix("/sandbox", a.sandbox.Handler()))
	}
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	a.mux.HandleFunc("GET /readyz", a.ready)
	a.mux.HandleFunc("GET /qr.png", serveQR)
	a.mux.Handle("GET /metrics", a.Metrics.Handler())
	// The front ends, embedded: the widget script sites include, a host
	// page to try it on, the agent workspace, the admin page and, with the
	// sandbox, the phones.
	pg := pages.NewHandler()
	for _, path := range []string{"/widget.js", "/demo", "/workspace", "/workspace.js", "/admin", "/admin.js"} {
		a.mux.Handle("GET "+path, pg)
	}
	if a.cfg.Sandbox {
		a.mux.Handle("GET /phone", pg)
		a.mux.Handle("GET /phone.js", pg)
	}
	if a.cfg.GraphiQL {
		// gqlgen's GraphiQL page takes no markup of ours: the front page
		// shows the pages' links above it, in a frame.
		a.mux.Handle("GET /{$}", pg)
		a.mux.Handle("GET /graphiql", playground.Handler("Linkline", "/graphql"))
	}
}

func (a *App) start() error {
	if err := a.jobs.Start(a.bg); err != nil {
		return err
	}
	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		a.appender.Run()
	}()
	go func() {
		defer a.wg.Done()
		a.feed.Run(a.bg)
	}()
	a.wg.Go(func() {
		a.auto.Run(a.bg)
	})
	if a.DB.Postgres() {
		a.listener = store.NewListener(a.DB, a.log, notices{a.feed, a.authn, a.bg})
		a.listener.Reconnected = a.Metrics.ListenerReconnects.Inc
		a.Metrics.WatchListener(a.listener.Connected)
		a.wg.Go(func() {
			a.listener.Run(a.bg)
		})
	}
	a.wg.Go(func() {
		a.prune()
	})
	a.wg.Go(func() {
		a.reseal()
	})
	return nil
}

// reseal seals again, in the background, the integration credentials that
// an old key sealed or that are still in clear: startup does not wait on
// it, and until it is done the old keys open them. A row whose key is no
// longer configured is logged and left: its sends and webhooks fail until
// that key is back in SECRETS_OLD_KEYS.
func (a *App) reseal() {
	defer close(a.resealed)
	sealed, failed, err := a.DB.ResealSecrets(a.bg, 100)
	switch {
	case err != nil && a.bg.Err() == nil:
		a.log.Error("sealing integration credentials with the current key", "sealed", sealed, "err", err)
	case failed > 0:
		a.log.Warn("integration credentials sealed with a key no longer configured", "sealed", sealed, "failed", failed)
	case sealed > 0:
		a.log.Info("integration credentials sealed with the current key", "sealed", sealed)
	}
}

// prune deletes events past their retention, webhook bodies processed as
// long ago and rate limit buckets full again, hourly.
func (a *App) prune() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	pruners := map[string]func(context.Context) (int64, error){
		"events": func(ctx context.Context) (int64, error) {
			return a.DB.PruneEvents(ctx, time.Now().Add(-a.cfg.EventRetention))
		},
		"webhook bodies": func(ctx context.Context) (int64, error) {
			return a.inbox.Prune(ctx, time.Now().Add(-a.cfg.EventRetention))
		},
	}
	if a.buckets != nil {
		pruners["rate limit buckets"] = a.buckets.Prune
	}
	for {
		for what, prune := range pruners {
			n, err := prune(a.bg)
			if err != nil && a.bg.Err() == nil {
				a.log.Error("pruning failed", "what", what, "err", err)
			} else if n > 0 {
				a.log.Info("pruned", "what", what, "count", n)
			}
		}
		select {
		case <-a.bg.Done():
			return
		case <-t.C:
		}
	}
}

// ready answers 200 while the database answers, the listener is connected
// (PostgreSQL) and the service is not shutting down.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problem string
	switch {
	case a.closing.Load():
		problem = "shutting down"
	case a.DB.Ping(ctx) != nil:
		problem = "database unreachable"
	case a.listener != nil && !a.listener.Connected():
		problem = "notification listener not connected"
	}
	if problem != "" {
		http.Error(w, problem, http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// Handler is the service's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// BaseContext is for http.Server.BaseContext: request contexts derive from
// it, so Close can end requests still running (websockets, which outlive
// their requests, are closed by the GraphQL handler).
func (a *App) BaseContext() context.Context { return a.base }

// Close shuts down after the HTTP server has stopped taking requests
// (http.Server.Shutdown): it closes the websockets and waits for them,
// commits every queued write, stops the background work and closes the
// database. Nothing accepted is lost.
func (a *App) Close(ctx context.Context) error {
	a.closing.Store(true)
	a.cancelBase()
	errSockets := a.gql.CloseSockets(ctx)
	// Jobs in flight finish (their writes go through the appender).
	errJobs := a.jobs.Stop(ctx)
	a.sandbox.Close()
	a.appender.Close()
	a.cancelBg()
	a.wg.Wait()
	return errors.Join(errSockets, errJobs, a.stopTracing(ctx), a.files.Close(), a.DB.Close())
}

// StartClosing fails readiness, so load balancers stop sending traffic
// before the server stops listening.
func (a *App) StartClosing() { a.closing.Store(true) }

// PendingJobs counts durable jobs not yet finished (queued, running, or
// waiting to retry).
func (a *App) PendingJobs(ctx context.Context) (int, error) {
	res, err := a.jobs.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStatePending).
		First(10_000))
	if err != nil {
		return 0, err
	}
	return len(res.Jobs), nil
}

// notices is what the listener hears from the other instances: news for
// the feed, and revoked grants for the authenticator.
type notices struct {
	*feed.Backbone
	authn *auth.Authenticator
	// ctx bounds the checks after a reconnection.
	ctx context.Context
}

func (n notices) Revoked(r auth.Revocation) { n.authn.Revoke(r) }

// Reconnected re-reads what may have been missed: events and state, and
// revocations, by checking again every token an open socket holds.
func (n notices) Reconnected() {
	n.authn.Recheck(n.ctx)
	n.Backbone.Reconnected()
}

// jobErrors logs every failed job attempt: River retries it, and an
// operator must be able to see why.
type jobErrors struct{ log *slog.Logger }

func (je jobErrors) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	ctx = tracing.JobContext(ctx, job.Metadata)
	je.log.WarnContext(ctx, "job failed", "kind", job.Kind, "id", job.ID, "attempt", job.Attempt, "err", err)
	return nil
}

func (je jobErrors) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	ctx = tracing.JobContext(ctx, job.Metadata)
	je.log.ErrorContext(ctx, "job panicked", "kind", job.Kind, "id", job.ID, "attempt", job.Attempt, "panic", panicVal, "stack", trace)
	return nil
}
