package integration

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/social"
)

// fakeStore keeps one account's integrations in memory.
type fakeStore struct {
	its     map[int64]*Integration
	secrets map[int64]Secrets
	// sends is what IntegrationSends answers; since, what it was asked.
	sends Sends
	since time.Time
}

func newFakeStore() *fakeStore {
	return &fakeStore{its: map[int64]*Integration{}, secrets: map[int64]Secrets{}}
}

func (f *fakeStore) CreateIntegration(_ context.Context, in *Integration, s Secrets) error {
	in.ID = int64(len(f.its) + 1)
	c := *in
	f.its[in.ID], f.secrets[in.ID] = &c, s
	return nil
}

func (f *fakeStore) UpdateIntegration(_ context.Context, in *Integration, s *Secrets) error {
	c := *in
	f.its[in.ID] = &c
	if s != nil {
		f.secrets[in.ID] = *s
	}
	return nil
}

func (f *fakeStore) DeleteIntegration(_ context.Context, _, id int64) error {
	delete(f.its, id)
	return nil
}

func (f *fakeStore) Integration(_ context.Context, _, id int64) (*Integration, error) {
	it, ok := f.its[id]
	if !ok {
		return nil, apperr.NotFoundf("integration")
	}
	c := *it
	return &c, nil
}

func (f *fakeStore) Integrations(context.Context, int64) ([]*Integration, error) { return nil, nil }

func (f *fakeStore) IntegrationByWebhookKey(context.Context, string) (*Integration, Secrets, error) {
	return nil, Secrets{}, apperr.NotFoundf("integration")
}

func (f *fakeStore) IntegrationSecrets(_ context.Context, _, id int64) (Secrets, error) {
	return f.secrets[id], nil
}

func (f *fakeStore) IntegrationSends(_ context.Context, _, _ int64, since time.Time) (Sends, error) {
	f.since = since
	return f.sends, nil
}

// R19: setting a new app secret keeps the replaced one valid for the
// configured overlap, and no longer; a second rotation forgets the oldest;
// changing anything else leaves the rotation as it was.
func TestAppSecretRotation(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	fs := newFakeStore()
	s := NewService(fs, func() time.Time { return now }, nil)
	s.SecretOverlap = time.Hour
	admin := &auth.Actor{Agent: &account.Agent{ID: 1, AccountID: 1, Role: account.RoleAdmin}}
	it, err := s.Connect(t.Context(), admin, Input{
		Channel: social.Messenger, BusinessID: "p1", Handle: new("acme"),
		AccessToken: new("token"), AppSecret: new("old"), VerifyToken: new("verify"),
	})
	if err != nil {
		t.Fatal(err)
	}
	accepted := func(at time.Time) []string { return fs.secrets[it.ID].AppSecrets(at) }
	if got := accepted(now); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("before rotation: %v", got)
	}

	if _, err := s.Update(t.Context(), admin, it.ID, Input{AppSecret: new("new")}); err != nil {
		t.Fatal(err)
	}
	if got := accepted(now); !slices.Equal(got, []string{"new", "old"}) {
		t.Errorf("during the overlap: %v", got)
	}
	if got := accepted(now.Add(time.Hour - time.Second)); !slices.Equal(got, []string{"new", "old"}) {
		t.Errorf("at the end of the overlap: %v", got)
	}
	if got := accepted(now.Add(time.Hour)); !slices.Equal(got, []string{"new"}) {
		t.Errorf("after the overlap: %v", got)
	}

	// Other changes, and the same secret again, keep the overlap running.
	now = now.Add(10 * time.Minute)
	if _, err := s.Update(t.Context(), admin, it.ID, Input{DisplayName: new("Acme"), AccessToken: new("token2"), AppSecret: new(" new ")}); err != nil {
		t.Fatal(err)
	}
	if got := accepted(now.Add(49 * time.Minute)); !slices.Equal(got, []string{"new", "old"}) {
		t.Errorf("after an unrelated update: %v", got)
	}
	if got := accepted(now.Add(50 * time.Minute)); !slices.Equal(got, []string{"new"}) {
		t.Errorf("an unrelated update extended the overlap: %v", got)
	}

	if _, err := s.Update(t.Context(), admin, it.ID, Input{AppSecret: new("newest")}); err != nil {
		t.Fatal(err)
	}
	if got := accepted(now); !slices.Equal(got, []string{"newest", "new"}) {
		t.Errorf("after a second rotation: %v", got)
	}

	s.SecretOverlap = 0
	if _, err := s.Update(t.Context(), admin, it.ID, Input{AppSecret: new("last")}); err != nil {
		t.Fatal(err)
	}
	if got := accepted(now); !slices.Equal(got, []string{"last"}) {
		t.Errorf("with no overlap: %v", got)
	}
}

// R17: new credentials end a FAILING status and release the replies held
// for it; other changes release nothing.
func TestNewCredentialsRestore(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s := NewService(newFakeStore(), func() time.Time { return now }, nil)
	var restored []int64
	s.Restored = func(_ context.Context, _, id int64) error {
		restored = append(restored, id)
		return nil
	}
	admin := &auth.Actor{Agent: &account.Agent{ID: 1, AccountID: 1, Role: account.RoleAdmin}}
	it, err := s.Connect(t.Context(), admin, Input{
		Channel: social.WhatsApp, BusinessID: "106540352242922", Handle: new("15550001111"),
		AccessToken: new("token"), AppSecret: new("secret"), VerifyToken: new("verify"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(t.Context(), admin, it.ID, Input{AccessToken: new("active-anyway")}); err != nil || len(restored) != 0 {
		t.Fatalf("new token on an active integration: %v, restored %v", err, restored)
	}
	if err := s.MarkFailing(t.Context(), it, "the access token is invalid or has expired"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Update(t.Context(), admin, it.ID, Input{DisplayName: new("Support")}); err != nil || got.Status != StatusFailing || len(restored) != 0 {
		t.Fatalf("a name change: %v, %+v, restored %v", err, got, restored)
	}
	got, err := s.Update(t.Context(), admin, it.ID, Input{AccessToken: new("fixed")})
	if err != nil || got.Status != StatusActive || got.LastError != "" || !slices.Equal(restored, []int64{it.ID}) {
		t.Fatalf("new token: %v, %+v, restored %v", err, got, restored)
	}
}
