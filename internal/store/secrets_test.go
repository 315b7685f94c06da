package store_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/secret"
	"github.com/linkline/linkline/internal/social"
	"github.com/linkline/linkline/internal/store"
)

func keyring(t *testing.T, keys ...byte) *secret.Keyring {
	t.Helper()
	var ks [][]byte
	for _, b := range keys {
		ks = append(ks, bytes.Repeat([]byte{b}, secret.KeySize))
	}
	k, err := secret.NewKeyring(ks[0], ks[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// reopen opens another handle on f's database with keys.
func reopen(t *testing.T, cfg store.Config, keys store.Sealer) *store.DB {
	t.Helper()
	cfg.Secrets = keys
	db, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func connect(t *testing.T, db *store.DB, accountID int64, n int, s integration.Secrets) *integration.Integration {
	t.Helper()
	it := &integration.Integration{AccountID: accountID, Channel: social.WhatsApp, Status: integration.StatusActive,
		BusinessID: fmt.Sprint("1555000", n), Handle: fmt.Sprint("1555000", n), WebhookKey: fmt.Sprint("wh_", n, time.Now().UnixNano())}
	if err := db.CreateIntegration(t.Context(), it, s); err != nil {
		t.Fatal(err)
	}
	return it
}

func checkSecrets(t *testing.T, db *store.DB, it *integration.Integration, want integration.Secrets) {
	t.Helper()
	got, err := db.IntegrationSecrets(t.Context(), it.AccountID, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, byKey, err := db.IntegrationByWebhookKey(t.Context(), it.WebhookKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []integration.Secrets{got, byKey} {
		if s.AccessToken != want.AccessToken || s.AppSecret != want.AppSecret || s.VerifyToken != want.VerifyToken ||
			s.PreviousAppSecret != want.PreviousAppSecret || !s.PreviousAppSecretUntil.Equal(*want.PreviousAppSecretUntil) {
			t.Fatalf("secrets read back %+v, want %+v", s, want)
		}
	}
}

// R20: an integration's access token and app secrets are sealed at rest:
// they read back as written, the columns hold no secret, a key rotation
// seals every row again with the new key (rows kept in clear too), and a
// row whose key is gone fails to read rather than reading wrong.
func TestSecretsAreSealedAtRest(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		cfg.Secrets = keyring(t, 1)
		f := open(t, cfg)
		until := time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
		want := integration.Secrets{AccessToken: "EAAG-access", AppSecret: "app-new", VerifyToken: "verify",
			PreviousAppSecret: "app-old", PreviousAppSecretUntil: &until}
		sealed := connect(t, f.db, f.acct.ID, 1, want)
		checkSecrets(t, f.db, sealed, want)
		raw := func(db *store.DB, it *integration.Integration) (string, string, string, string) {
			t.Helper()
			a, s, p, k, err := store.RawSecrets(t.Context(), db, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			return a, s, p, k
		}
		access, app, prev, keyID := raw(f.db, sealed)
		if keyID != cfg.Secrets.Current() {
			t.Errorf("key id %q, want %q", keyID, cfg.Secrets.Current())
		}
		for _, v := range []string{access, app, prev} {
			for _, s := range []string{want.AccessToken, want.AppSecret, want.PreviousAppSecret} {
				if strings.Contains(v, s) {
					t.Errorf("stored column %q holds the secret %q", v, s)
				}
			}
		}

		// A row written in clear (before sealing, or told to keep clear).
		inClear := connect(t, reopen(t, cfg, nil), f.acct.ID, 2, want)
		if a, _, _, k := raw(f.db, inClear); a != want.AccessToken || k != "" {
			t.Fatalf("clear row stored %q under key %q", a, k)
		}
		checkSecrets(t, f.db, inClear, want)

		// Rotation: key 2 is current, key 1 old.
		rotated := reopen(t, cfg, keyring(t, 2, 1))
		checkSecrets(t, rotated, sealed, want)
		n, failed, err := rotated.ResealSecrets(t.Context(), 1)
		if err != nil || n != 2 || failed != 0 {
			t.Fatalf("ResealSecrets = %d sealed, %d failed, %v; want 2, 0", n, failed, err)
		}
		for _, it := range []*integration.Integration{sealed, inClear} {
			if a, _, _, k := raw(rotated, it); k != keyring(t, 2).Current() || a == want.AccessToken {
				t.Errorf("integration %d after rotation: key %q", it.ID, k)
			}
			checkSecrets(t, rotated, it, want)
		}
		if n, _, err := rotated.ResealSecrets(t.Context(), 10); err != nil || n != 0 {
			t.Errorf("a second pass sealed %d, %v", n, err)
		}

		// The old key dropped too early: reads fail, the pass skips.
		lost := reopen(t, cfg, keyring(t, 3))
		if _, err := lost.IntegrationSecrets(t.Context(), sealed.AccountID, sealed.ID); err == nil {
			t.Error("secrets read without their key")
		}
		if n, failed, err := lost.ResealSecrets(t.Context(), 10); err != nil || n != 0 || failed != 2 {
			t.Errorf("ResealSecrets without the key = %d, %d, %v; want 0, 2", n, failed, err)
		}
	})
}
