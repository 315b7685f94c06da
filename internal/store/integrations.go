package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

var _ integration.Store = (*DB)(nil)

type integrationRow struct {
	ID          int64
	AccountID   int64
	Channel     string
	Status      string
	Sandbox     bool
	BusinessID  string
	Handle      string
	DisplayName string
	WABAID      string `gorm:"column:waba_id"`
	AccessToken string
	AppSecret   string
	VerifyToken string
	// PreviousAppSecret is still accepted until PreviousAppSecretUntil.
	PreviousAppSecret      string
	PreviousAppSecretUntil *time.Time
	WebhookKey             string
	// SecretsKeyID names the key that sealed the secrets; empty: in clear.
	SecretsKeyID string
	LastError    string
	LastErrorAt  *time.Time
	// LastWebhookAt is written by RecordWebhook only.
	LastWebhookAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (integrationRow) TableName() string { return "integrations" }

func (r *integrationRow) domain() *integration.Integration {
	return &integration.Integration{
		ID: r.ID, AccountID: r.AccountID, Channel: conversation.Channel(r.Channel), Status: integration.Status(r.Status),
		Sandbox: r.Sandbox, BusinessID: r.BusinessID, Handle: r.Handle, DisplayName: r.DisplayName, WABAID: r.WABAID,
		WebhookKey: r.WebhookKey, LastError: r.LastError, LastErrorAt: r.LastErrorAt, LastWebhookAt: r.LastWebhookAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Sealer seals integration secrets at rest under a key named by an id
// (internal/secret's Keyring): the row keeps the id, so that the key can
// be rotated.
type Sealer interface {
	// Current is the id of the key Seal uses.
	Current() string
	// Seal seals plain, bound to where it is kept.
	Seal(plain, bound string) string
	// Open returns what the key keyID sealed with the same bound.
	Open(keyID, sealed, bound string) (string, error)
}

// sealed lists a row's sealed columns with where each is kept: the bound
// a sealed value opens with only there (secret.Keyring.Seal). The webhook
// key never changes and is known before the row has an id.
func (r *integrationRow) sealed() map[string]*string {
	return map[string]*string{
		"access_token": &r.AccessToken, "app_secret": &r.AppSecret,
		"verify_token": &r.VerifyToken, "previous_app_secret": &r.PreviousAppSecret,
	}
}

func (r *integrationRow) bound(column string) string { return r.WebhookKey + "/" + column }

// seal replaces the row's secrets in clear by their sealed form, unless
// the service was told to keep them in clear.
func (db *DB) seal(r *integrationRow) {
	if db.keys == nil {
		r.SecretsKeyID = ""
		return
	}
	for col, v := range r.sealed() {
		*v = db.keys.Seal(*v, r.bound(col))
	}
	r.SecretsKeyID = db.keys.Current()
}

// secrets opens the row's secrets.
func (db *DB) secrets(r *integrationRow) (integration.Secrets, error) {
	open := *r
	if r.SecretsKeyID != "" {
		if db.keys == nil {
			return integration.Secrets{}, fmt.Errorf("store: integration %d: secrets sealed but no SECRETS_KEY set", r.ID)
		}
		for col, v := range open.sealed() {
			plain, err := db.keys.Open(r.SecretsKeyID, *v, r.bound(col))
			if err != nil {
				return integration.Secrets{}, fmt.Errorf("store: integration %d %s: %w", r.ID, col, err)
			}
			*v = plain
		}
	}
	return integration.Secrets{
		AccessToken: open.AccessToken, AppSecret: open.AppSecret, VerifyToken: open.VerifyToken,
		PreviousAppSecret: open.PreviousAppSecret, PreviousAppSecretUntil: open.PreviousAppSecretUntil,
	}, nil
}

// withSecrets returns the row's integration with its secrets.
func (db *DB) withSecrets(r *integrationRow) (*integration.Integration, integration.Secrets, error) {
	s, err := db.secrets(r)
	if err != nil {
		return nil, integration.Secrets{}, err
	}
	return r.domain(), s, nil
}

func integrationRowOf(in *integration.Integration, s integration.Secrets) integrationRow {
	return integrationRow{
		ID: in.ID, AccountID: in.AccountID, Channel: string(in.Channel), Status: string(in.Status), Sandbox: in.Sandbox,
		BusinessID: in.BusinessID, Handle: in.Handle, DisplayName: in.DisplayName, WABAID: in.WABAID,
		AccessToken: s.AccessToken, AppSecret: s.AppSecret, VerifyToken: s.VerifyToken, WebhookKey: in.WebhookKey,
		PreviousAppSecret: s.PreviousAppSecret, PreviousAppSecretUntil: s.PreviousAppSecretUntil,
		LastError: in.LastError, LastErrorAt: in.LastErrorAt, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt,
	}
}

// CreateIntegration stores a new integration. A business id already
// connected (to any account) is refused.
func (db *DB) CreateIntegration(ctx context.Context, in *integration.Integration, s integration.Secrets) error {
	r := integrationRowOf(in, s)
	db.seal(&r)
	if err := db.gorm.WithContext(ctx).Create(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return apperr.Invalid("businessId", "is already connected")
		}
		return err
	}
	in.ID = r.ID
	return nil
}

// UpdateIntegration writes an integration's settings, and its secrets when
// s is not nil.
func (db *DB) UpdateIntegration(ctx context.Context, in *integration.Integration, s *integration.Secrets) error {
	cols := []string{"status", "handle", "display_name", "waba_id", "last_error", "last_error_at", "updated_at"}
	var sec integration.Secrets
	if s != nil {
		sec = *s
		cols = append(cols, "access_token", "app_secret", "verify_token", "previous_app_secret", "previous_app_secret_until", "secrets_key_id")
	}
	r := integrationRowOf(in, sec)
	if s != nil {
		if in.WebhookKey == "" {
			// Secrets are sealed to their row's webhook key.
			return errors.New("store: UpdateIntegration: secrets without the integration's webhook key")
		}
		db.seal(&r)
	}
	res := db.scoped(ctx, in.AccountID, "integrations").Where("id = ?", in.ID).Select(cols).Updates(&r)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf("integration")
	}
	return nil
}

// DeleteIntegration removes an integration of the account.
func (db *DB) DeleteIntegration(ctx context.Context, accountID, id int64) error {
	res := db.scoped(ctx, accountID, "integrations").Where("id = ?", id).Delete(&integrationRow{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.NotFoundf("integration")
	}
	return nil
}

// Integration returns one integration of the account, without secrets.
func (db *DB) Integration(ctx context.Context, accountID, id int64) (*integration.Integration, error) {
	var r integrationRow
	if err := db.scoped(ctx, accountID, "integrations").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "integration")
	}
	return r.domain(), nil
}

// Integrations lists the account's integrations, without secrets.
func (db *DB) Integrations(ctx context.Context, accountID int64) ([]*integration.Integration, error) {
	var rows []integrationRow
	if err := db.scoped(ctx, accountID, "integrations").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*integrationRow).domain), nil
}

// IntegrationByWebhookKey finds the integration a webhook URL names, with
// the secrets to verify the request. Unscoped: the key is how the account
// is learnt.
func (db *DB) IntegrationByWebhookKey(ctx context.Context, key string) (*integration.Integration, integration.Secrets, error) {
	var r integrationRow
	if err := db.gorm.WithContext(ctx).Where("webhook_key = ?", key).Take(&r).Error; err != nil {
		return nil, integration.Secrets{}, notFound(err, "integration")
	}
	return db.withSecrets(&r)
}

// IntegrationSecrets returns an integration's secrets, for sending.
func (db *DB) IntegrationSecrets(ctx context.Context, accountID, id int64) (integration.Secrets, error) {
	var r integrationRow
	if err := db.scoped(ctx, accountID, "integrations").Where("id = ?", id).Take(&r).Error; err != nil {
		return integration.Secrets{}, notFound(err, "integration")
	}
	return db.secrets(&r)
}

// IntegrationByBusiness finds the integration of a channel's phone number,
// Page or Instagram account, with its secrets. Unscoped: a business id is
// connected to one account at most.
func (db *DB) IntegrationByBusiness(ctx context.Context, ch conversation.Channel, businessID string) (*integration.Integration, integration.Secrets, error) {
	var r integrationRow
	if err := db.gorm.WithContext(ctx).Where("channel = ? AND business_id = ?", string(ch), businessID).Take(&r).Error; err != nil {
		return nil, integration.Secrets{}, notFound(err, "integration")
	}
	return db.withSecrets(&r)
}

// ResealSecrets seals again with the current key the integrations whose
// secrets another key sealed, or none (rows from before sealing, or from a
// service told to keep them in clear), batch rows at a time. It returns
// how many it sealed; a row whose secrets do not open (its key no longer
// configured) is left as it is and counted in failed, so that one bad row
// does not stop the pass, and is logged. A row an admin updates meanwhile
// is left to the update, which sealed it with the current key.
func (db *DB) ResealSecrets(ctx context.Context, batch int) (sealed, failed int, err error) {
	if db.keys == nil {
		return 0, 0, nil
	}
	for after := int64(0); ; {
		var rows []integrationRow
		if err := db.gorm.WithContext(ctx).Where("secrets_key_id <> ? AND id > ?", db.keys.Current(), after).
			Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return sealed, failed, err
		}
		for i := range rows {
			r := &rows[i]
			after = r.ID
			s, err := db.secrets(r)
			if err != nil {
				db.log.Warn("secrets do not open: left as they are", "integration", r.ID, "err", err)
				failed++
				continue
			}
			old := r.SecretsKeyID
			r.AccessToken, r.AppSecret, r.VerifyToken, r.PreviousAppSecret = s.AccessToken, s.AppSecret, s.VerifyToken, s.PreviousAppSecret
			db.seal(r)
			res := db.gorm.WithContext(ctx).Model(&integrationRow{}).Where("id = ? AND secrets_key_id = ?", r.ID, old).
				Select("access_token", "app_secret", "verify_token", "previous_app_secret", "secrets_key_id").Updates(r)
			if res.Error != nil {
				return sealed, failed, res.Error
			}
			sealed += int(res.RowsAffected)
		}
		if len(rows) < batch {
			return sealed, failed, nil
		}
	}
}

// AnnounceSettings tells the other instances that an account's widget
// menus may have changed (after commit, as NOTIFY is).
func (db *DB) AnnounceSettings(ctx context.Context, accountID int64) error {
	if !db.postgres {
		return nil
	}
	return db.gorm.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", SettingsChannel, strconv.FormatInt(accountID, 10)).Error
}
