// Package sandbox runs sandbox integrations: WhatsApp, Messenger and
// Instagram without a Meta account, for local use, demos and tests. The
// real adapters send through Transport, an in-process fake of the Graph
// API that records each message in the recipient's simulated phone instead
// of sending it. Handler is the phones' HTTP API: an end user writes, taps
// a reply choice (R6), opens a deep link (R5), reads, or looks at what the
// channel's app shows. Whatever a phone does reaches the service as a
// webhook signed with the integration's app secret and delivered through
// the service's own webhook route, so it takes the very path of Meta's
// traffic: signature check (R19), inbox, job, adapter Parse (R18). Status
// webhooks for the business's sends follow them in the background (R17).
//
// Phones live in memory, in one process: a sandbox is for one instance,
// and restarting it empties them.
package sandbox

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/meta"
)

// Integration is what the sandbox needs to know about one sandbox
// integration.
type Integration struct {
	Channel conversation.Channel
	// BusinessID is the phone number id, Page id or Instagram account id.
	BusinessID string
	// Handle is what deep links name: the display number (digits), the
	// Page username, the Instagram username.
	Handle string
	// WebhookKey names the integration in /webhooks/{key}.
	WebhookKey string
	// AppSecret signs its webhooks.
	AppSecret string
}

// Integrations finds sandbox integrations. Unknown integrations, and
// integrations that are not sandbox ones, are errors whose apperr.CodeOf
// is NOT_FOUND.
type Integrations interface {
	SandboxByKey(ctx context.Context, webhookKey string) (Integration, error)
	SandboxByBusiness(ctx context.Context, ch conversation.Channel, businessID string) (Integration, error)
}

// Deliver posts a webhook request to the service's own webhook route and
// returns the HTTP status it answered.
type Deliver func(ctx context.Context, r *http.Request) int

// DeliverTo returns a Deliver that serves each webhook request with h, the
// service's own mux, in process.
func DeliverTo(h http.Handler) Deliver {
	return func(_ context.Context, r *http.Request) int {
		w := &statusWriter{header: http.Header{}}
		h.ServeHTTP(w, r)
		return cmp.Or(w.status, http.StatusOK)
	}
}

// statusWriter keeps a response's status and drops the rest: the webhook
// route's answer is only ever a status and a word.
type statusWriter struct {
	header http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

// tokenPrefix starts every sandbox access token; see AccessToken.
const tokenPrefix = "sandbox:"

// AccessToken is the access token a sandbox integration must be stored
// with. The fake Graph API requires it on every send, as Meta requires the
// integration's own token; it is how a Messenger send to me/messages tells
// which Page "me" is, as Meta learns it from a real Page token.
func AccessToken(businessID string) string { return tokenPrefix + businessID }

// Sandbox is the fake Graph API and the simulated phones.
type Sandbox struct {
	integrations Integrations
	deliver      Deliver
	log          *slog.Logger
	now          func() time.Time

	mu     sync.Mutex
	phones map[phoneKey]*phone
	closed bool
	// change is closed, and replaced, when any phone changes.
	change chan struct{}
	// uploads are the files posted to the fake WhatsApp media endpoint.
	uploads uploads
	// sent are the files phones sent, by media id, oldest first in
	// sentOrder; see phonemedia.go for the media knobs.
	sent        map[string]*sentFile
	sentOrder   []string
	mediaTTL    time.Duration
	mediaOutage bool
	mediaReads  int
	filesServed int

	// background is cancelled by Close; status webhooks run under it.
	background context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// New returns a sandbox that finds its integrations through integrations
// and posts webhooks through deliver.
func New(integrations Integrations, deliver Deliver, log *slog.Logger) *Sandbox {
	ctx, cancel := context.WithCancel(context.Background())
	return &Sandbox{
		integrations: integrations, deliver: deliver, log: log, now: time.Now,
		phones: map[phoneKey]*phone{}, change: make(chan struct{}), background: ctx, cancel: cancel,
	}
}

// Close cancels the status webhooks still under way and waits for them to
// end. Sends after Close are still recorded, without status webhooks.
func (s *Sandbox) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// later runs f in the background, so that a send is answered before its
// status webhooks go out, as Meta does.
func (s *Sandbox) later(f func(ctx context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Go(func() { f(s.background) })
}

// post signs body with the integration's app secret and delivers it to
// the integration's webhook route; it returns the route's status.
func (s *Sandbox) post(ctx context.Context, it Integration, body []byte) int {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/webhooks/"+it.WebhookKey, bytes.NewReader(body))
	if err != nil {
		s.log.ErrorContext(ctx, "sandbox: build webhook", "key", it.WebhookKey, "err", err)
		return http.StatusInternalServerError
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(meta.SignatureHeader, meta.Sign(body, it.AppSecret))
	status := s.deliver(ctx, r)
	if status/100 != 2 {
		s.log.WarnContext(ctx, "sandbox: webhook refused", "key", it.WebhookKey, "status", status)
	}
	return status
}

// postAll posts bodies in order, as a phone's reports arrive in order,
// and stops when ctx ends.
func (s *Sandbox) postAll(ctx context.Context, it Integration, bodies [][]byte) {
	for _, b := range bodies {
		if ctx.Err() != nil {
			return
		}
		s.post(ctx, it, b)
	}
}

// newID returns a message id unique in practice (130 random bits).
func newID(prefix string) string { return prefix + rand.Text() }

// userChars are those of the user ids phones are known by: digits for
// phone numbers, and letters, dots, dashes and underscores for the others.
const userChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-"

// validUser bounds user ids, which name phones in URLs.
func validUser(user string) bool {
	return user != "" && len(user) <= 64 && strings.Trim(user, userChars) == ""
}
