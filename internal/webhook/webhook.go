// Package webhook is the ingress for Meta's webhooks (R18, R19): the GET
// verification handshake, and POSTs authenticated by X-Hub-Signature-256
// over the raw body, stored before they are acknowledged and processed by
// a durable job, so that nothing acknowledged is lost. Processing names
// Messenger and Instagram senders from their user profiles (R16, R27).
package webhook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
)

// MaxBody bounds a webhook request. Meta batches up to 1,000 entries; a few
// MiB holds that with room to spare.
const MaxBody = 4 << 20

// Integrations finds the integration a webhook URL names, and records
// when its webhooks arrive.
type Integrations interface {
	IntegrationByWebhookKey(ctx context.Context, key string) (*integration.Integration, integration.Secrets, error)
	// RecordWebhook records a webhook's arrival at a time, unless one was
	// recorded less than every before.
	RecordWebhook(ctx context.Context, integrationID int64, at time.Time, every time.Duration) error
}

// Inbox stores a webhook body durably, with the job that will process it,
// in one transaction.
type Inbox interface {
	Receive(ctx context.Context, integrationID int64, body []byte) error
}

// Handler serves /webhooks/{key}.
type Handler struct {
	integrations Integrations
	inbox        Inbox
	log          *slog.Logger
	now          func() time.Time
	// Counted, when set, counts requests by result.
	Counted func(result string)
}

// NewHandler returns the webhook handler.
func NewHandler(integrations Integrations, inbox Inbox, log *slog.Logger, now func() time.Time) *Handler {
	return &Handler{integrations: integrations, inbox: inbox, log: log, now: now}
}

func (h *Handler) count(result string) {
	if h.Counted != nil {
		h.Counted(result)
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Nothing answered here is meant to be rendered: a browser must not
	// sniff an echoed challenge or an error text into HTML.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	it, sec, err := h.integrations.IntegrationByWebhookKey(r.Context(), r.PathValue("key"))
	if err != nil {
		if apperr.CodeOf(err) != apperr.NotFound {
			h.log.ErrorContext(r.Context(), "webhook: integration lookup failed", "err", err)
			h.count("error")
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h.count("unknown")
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r, sec)
	case http.MethodPost:
		h.receive(w, r, it, sec)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers Meta's subscription handshake.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, sec integration.Secrets) {
	challenge, err := meta.VerifyChallenge(r.URL.Query(), sec.VerifyToken)
	switch {
	case errors.Is(err, meta.ErrChallenge):
		h.count("bad_challenge")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	case err != nil:
		h.count("bad_verify_token")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	h.count("verified")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, challenge)
}

// seen records that a signed webhook arrived for it, for its health
// (R38). The row read for this request says when the last one was
// recorded, so that most webhooks write nothing; a failure to record is
// no reason to refuse the webhook.
func (h *Handler) seen(ctx context.Context, it *integration.Integration) {
	now := h.now()
	if !integration.WebhookDue(it.LastWebhookAt, now) {
		return
	}
	if err := h.integrations.RecordWebhook(ctx, it.ID, now, integration.WebhookEvery); err != nil {
		h.log.WarnContext(ctx, "webhook: recording its arrival failed", "integration", it.ID, "err", err)
	}
}

// receive authenticates a POST and stores it before answering 200; Meta
// retries anything else, which is right when we failed to store it.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, it *integration.Integration, sec integration.Secrets) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.count("too_large")
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.count("read_error")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	if sig == "" {
		h.count("unsigned")
		http.Error(w, "missing signature", http.StatusUnauthorized)
		return
	}
	if !meta.VerifySignature(body, sig, sec.AppSecrets(h.now())...) {
		h.count("bad_signature")
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	h.seen(r.Context(), it)
	if it.Status == integration.StatusDisabled {
		// Acknowledged, or Meta would retry for days; a disabled
		// integration takes no traffic.
		h.count("disabled")
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := h.inbox.Receive(r.Context(), it.ID, body); err != nil {
		h.log.ErrorContext(r.Context(), "webhook: storing failed", "integration", it.ID, "err", err)
		h.count("error")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.count("accepted")
	w.WriteHeader(http.StatusOK)
}
