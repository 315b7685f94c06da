// Package integration manages an account's social channel integrations: a
// WhatsApp number, a Facebook Page or an Instagram account connected with
// its credentials (R1, R2, R17, R19, R20). Secrets are written, never read
// back through the API.
package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/social"
)

// Status is whether an integration carries traffic.
type Status string

const (
	StatusActive   Status = "ACTIVE"
	StatusDisabled Status = "DISABLED"
	// StatusFailing: Meta refused its credentials (LastError says why);
	// an admin must update them.
	StatusFailing Status = "FAILING"
)

// Integration is one connected social channel of an account.
type Integration struct {
	ID        int64
	AccountID int64
	Channel   social.Channel
	Status    Status
	// Sandbox integrations talk to the built-in simulated phones
	// instead of Meta.
	Sandbox bool
	// BusinessID is the phone number id, Page id or Instagram account id
	// webhooks name.
	BusinessID string
	// Handle is what deep links use: the display phone number (digits),
	// the Page username, the Instagram username.
	Handle      string
	DisplayName string
	WABAID      string
	// WebhookKey names the integration in its webhook URL.
	WebhookKey  string
	LastError   string
	LastErrorAt *time.Time
	// LastWebhookAt is when a signed webhook last arrived, recorded at
	// most every WebhookEvery (R38).
	LastWebhookAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Secrets are the write-only credentials of an integration.
type Secrets struct {
	AccessToken string
	AppSecret   string
	VerifyToken string
	// PreviousAppSecret is the app secret before the last rotation, still
	// accepted until PreviousAppSecretUntil (see Service.SecretOverlap).
	PreviousAppSecret      string
	PreviousAppSecretUntil *time.Time
}

// AppSecrets are the app secrets a webhook may be signed with at now: the
// current one, and the previous one while its overlap lasts (R19).
func (s Secrets) AppSecrets(now time.Time) []string {
	if s.PreviousAppSecret != "" && s.PreviousAppSecretUntil != nil && now.Before(*s.PreviousAppSecretUntil) {
		return []string{s.AppSecret, s.PreviousAppSecret}
	}
	return []string{s.AppSecret}
}

// DefaultSecretOverlap is how long a replaced app secret is still accepted.
// Meta's dashboard and ours are updated by hand, one after the other, and
// webhooks already signed with the old secret are retried for up to a day
// and a half (Messenger) before the new one is everywhere: a day covers the
// change-over without keeping a leaked secret useful for long.
const DefaultSecretOverlap = 24 * time.Hour

// MaxSecretOverlap bounds SecretOverlap: the old secret may have been
// replaced because it leaked.
const MaxSecretOverlap = 7 * 24 * time.Hour

// Store keeps integrations. Reads are scoped by account except the webhook
// lookup, which is how an incoming request finds its account.
type Store interface {
	CreateIntegration(ctx context.Context, in *Integration, s Secrets) error
	UpdateIntegration(ctx context.Context, in *Integration, s *Secrets) error
	DeleteIntegration(ctx context.Context, accountID, id int64) error
	Integration(ctx context.Context, accountID, id int64) (*Integration, error)
	Integrations(ctx context.Context, accountID int64) ([]*Integration, error)
	IntegrationByWebhookKey(ctx context.Context, key string) (*Integration, Secrets, error)
	IntegrationSecrets(ctx context.Context, accountID, id int64) (Secrets, error)
	// IntegrationSends reads the send attempts through an integration of
	// the account: those since a time, its latest success, and its replies
	// still queued (R38).
	IntegrationSends(ctx context.Context, accountID, integrationID int64, since time.Time) (Sends, error)
}

// Service manages integrations.
type Service struct {
	store Store
	now   func() time.Time
	// sandboxToken is the access token the simulated Graph API expects of
	// a sandbox integration.
	sandboxToken func(businessID string) string
	// Changed, when set, is told of every change to an account's
	// integrations: widget menus depend on them (R3).
	Changed func(ctx context.Context, accountID int64) error
	// Restored, when set, is told when new credentials end an
	// integration's FAILING status: the replies held for it go out.
	Restored func(ctx context.Context, accountID, integrationID int64) error
	// SecretOverlap is how long a replaced app secret keeps verifying
	// webhooks (DefaultSecretOverlap; 0 ends it at once).
	SecretOverlap time.Duration
	// Off, when set, is told when an admin disables or removes a channel:
	// its links end (R3). MarkFailing does not call it: a FAILING
	// integration keeps its links, which carry traffic again once an admin
	// updates its credentials.
	Off func(ctx context.Context, accountID int64, ch social.Channel) error
	// Saved, when set, is told of an integration an admin has just
	// connected or updated: WhatsApp templates are synced then (R33).
	Saved func(ctx context.Context, it *Integration)
}

func (s *Service) saved(ctx context.Context, it *Integration) {
	if s.Saved != nil {
		s.Saved(ctx, it)
	}
}

func (s *Service) off(ctx context.Context, it *Integration) error {
	if s.Off == nil {
		return nil
	}
	return s.Off(ctx, it.AccountID, it.Channel)
}

func (s *Service) changed(ctx context.Context, accountID int64) error {
	if s.Changed == nil {
		return nil
	}
	return s.Changed(ctx, accountID)
}

// NewService returns an integration service; sandboxToken gives sandbox
// integrations their access token.
func NewService(store Store, now func() time.Time, sandboxToken func(businessID string) string) *Service {
	return &Service{store: store, now: now, sandboxToken: sandboxToken, SecretOverlap: DefaultSecretOverlap}
}

// Input is what an admin sets on an integration. On update, nil fields keep
// their value.
type Input struct {
	Channel     social.Channel
	Sandbox     bool
	BusinessID  string
	Handle      *string
	DisplayName *string
	WABAID      *string
	AccessToken *string
	AppSecret   *string
	VerifyToken *string
}

// Connect adds an integration (admins only).
func (s *Service) Connect(ctx context.Context, actor *auth.Actor, in Input) (*Integration, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	if in.Channel == social.WebWidget || !in.Channel.Valid() {
		return nil, apperr.Invalid("channel", "must be WHATSAPP, MESSENGER or INSTAGRAM")
	}
	it := &Integration{AccountID: actor.AccountID(), Channel: in.Channel, Status: StatusActive, Sandbox: in.Sandbox, BusinessID: strings.TrimSpace(in.BusinessID)}
	if in.Sandbox {
		// The simulated phones need no Meta credentials: make them up.
		in.AccessToken = new(s.sandboxToken(it.BusinessID))
		in.AppSecret, in.VerifyToken = new(randomKey("sbs_")), new(randomKey("sbv_"))
	}
	sec := Secrets{}
	for field, p := range map[string]*string{"accessToken": in.AccessToken, "appSecret": in.AppSecret, "verifyToken": in.VerifyToken, "handle": in.Handle} {
		if p == nil || strings.TrimSpace(*p) == "" {
			return nil, apperr.Invalid(field, "is required")
		}
	}
	apply(it, &sec, in)
	if err := validate(it, sec); err != nil {
		return nil, err
	}
	if err := s.Create(ctx, it, sec); err != nil {
		return nil, err
	}
	s.saved(ctx, it)
	return it, s.changed(ctx, it.AccountID)
}

// Create stores a validated integration with a new webhook key.
func (s *Service) Create(ctx context.Context, it *Integration, sec Secrets) error {
	it.WebhookKey = randomKey("wh_")
	now := s.now().UTC()
	it.CreatedAt, it.UpdatedAt = now, now
	return s.store.CreateIntegration(ctx, it, sec)
}

// Update changes an integration's settings or secrets (admins only). New
// credentials clear a FAILING status: the admin has fixed them.
func (s *Service) Update(ctx context.Context, actor *auth.Actor, id int64, in Input) (*Integration, error) {
	it, err := s.admin(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	sec, err := s.store.IntegrationSecrets(ctx, it.AccountID, it.ID)
	if err != nil {
		return nil, err
	}
	if it.Sandbox {
		in.AccessToken, in.AppSecret, in.VerifyToken = nil, nil, nil // made up at connection
	}
	old := sec.AppSecret
	apply(it, &sec, in)
	if err := validate(it, sec); err != nil {
		return nil, err
	}
	if sec.AppSecret != old {
		// Rotation: the replaced secret verifies webhooks a while longer.
		// A second rotation within the overlap forgets the oldest.
		until := s.now().UTC().Add(s.SecretOverlap)
		sec.PreviousAppSecret, sec.PreviousAppSecretUntil = old, &until
	}
	restored := it.Status == StatusFailing && (in.AccessToken != nil || in.AppSecret != nil)
	if restored {
		it.Status, it.LastError, it.LastErrorAt = StatusActive, "", nil
	}
	it.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateIntegration(ctx, it, &sec); err != nil {
		return nil, err
	}
	if restored && s.Restored != nil {
		if err := s.Restored(ctx, it.AccountID, it.ID); err != nil {
			return nil, err
		}
	}
	s.saved(ctx, it)
	return it, s.changed(ctx, it.AccountID)
}

// SetEnabled disables or re-enables an integration (admins only).
func (s *Service) SetEnabled(ctx context.Context, actor *auth.Actor, id int64, enabled bool) (*Integration, error) {
	it, err := s.admin(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !enabled:
		it.Status = StatusDisabled
	case it.Status == StatusDisabled:
		it.Status = StatusActive
	}
	it.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateIntegration(ctx, it, nil); err != nil {
		return nil, err
	}
	if !enabled {
		if err := s.off(ctx, it); err != nil {
			return nil, err
		}
	}
	return it, s.changed(ctx, it.AccountID)
}

// Remove deletes an integration (admins only). Conversations and their
// history stay.
func (s *Service) Remove(ctx context.Context, actor *auth.Actor, id int64) error {
	it, err := s.admin(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteIntegration(ctx, it.AccountID, it.ID); err != nil {
		return err
	}
	if err := s.off(ctx, it); err != nil {
		return err
	}
	return s.changed(ctx, it.AccountID)
}

// List returns the account's integrations (agents and admins).
func (s *Service) List(ctx context.Context, actor *auth.Actor) ([]*Integration, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	return s.store.Integrations(ctx, actor.AccountID())
}

// Get returns one integration of the actor's account (agents and admins).
func (s *Service) Get(ctx context.Context, actor *auth.Actor, id int64) (*Integration, error) {
	if actor.Agent == nil {
		return nil, apperr.NotFoundf("integration")
	}
	return s.store.Integration(ctx, actor.AccountID(), id)
}

// MarkFailing records that Meta refused the integration's credentials, so
// that no more sends are tried until an admin fixes them.
func (s *Service) MarkFailing(ctx context.Context, it *Integration, reason string) error {
	now := s.now().UTC()
	it.Status, it.LastError, it.LastErrorAt, it.UpdatedAt = StatusFailing, reason, &now, now
	if err := s.store.UpdateIntegration(ctx, it, nil); err != nil {
		return err
	}
	return s.changed(ctx, it.AccountID)
}

func (s *Service) admin(ctx context.Context, actor *auth.Actor, id int64) (*Integration, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	return s.store.Integration(ctx, actor.AccountID(), id)
}

func apply(it *Integration, sec *Secrets, in Input) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&it.Handle, in.Handle)
	set(&it.DisplayName, in.DisplayName)
	set(&it.WABAID, in.WABAID)
	set(&sec.AccessToken, in.AccessToken)
	set(&sec.AppSecret, in.AppSecret)
	set(&sec.VerifyToken, in.VerifyToken)
	if it.Channel == social.WhatsApp {
		// wa.me wants the number as digits only.
		it.Handle = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, it.Handle)
	}
}

// validate refuses what cannot work: an empty app secret would accept any
// webhook signature (R19).
func validate(it *Integration, sec Secrets) error {
	for field, v := range map[string]string{"businessId": it.BusinessID, "handle": it.Handle, "accessToken": sec.AccessToken, "appSecret": sec.AppSecret, "verifyToken": sec.VerifyToken} {
		if v == "" {
			return apperr.Invalid(field, "is required")
		}
		if len(v) > 1024 || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n") {
			return apperr.Invalid(field, "is not a valid value")
		}
	}
	if strings.ContainsAny(it.BusinessID, " /?#") {
		return apperr.Invalid("businessId", "is not a valid id")
	}
	if strings.ContainsAny(it.Handle, " /?#") {
		return apperr.Invalid("handle", "is not a valid handle")
	}
	return nil
}

// randomKey is 128 random bits with a prefix saying what they are for.
func randomKey(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
