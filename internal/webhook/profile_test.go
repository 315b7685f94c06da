package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
)

var (
	now       = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	messenger = &integration.Integration{ID: 7, AccountID: 3, Channel: conversation.ChannelMessenger, BusinessID: "108245671234567", Handle: "acme.support"}
	ana       = channel.Profile{Name: "Ana Pereira", PictureURL: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1"}
)

const psid = "6543210987654321"

// profileStore is the identities of one account, and what was saved.
type profileStore struct {
	identities map[string]*conversation.Identity
	saved      []saved
	log        *[]string
}

type saved struct {
	user    string
	profile channel.Profile
	at      time.Time
}

func (s *profileStore) IdentityByExternalID(_ context.Context, accountID int64, ch conversation.Channel, externalID string) (*conversation.Identity, error) {
	*s.log = append(*s.log, "identity")
	if id := s.identities[externalID]; id != nil && accountID == messenger.AccountID && ch == id.Channel {
		return id, nil
	}
	return nil, apperr.NotFoundf("identity")
}

func (s *profileStore) IntegrationSecrets(_ context.Context, accountID, id int64) (integration.Secrets, error) {
	if accountID != messenger.AccountID || id != messenger.ID {
		return integration.Secrets{}, apperr.NotFoundf("integration")
	}
	return integration.Secrets{AccessToken: "EAAG-page-token"}, nil
}

func (s *profileStore) SaveProfile(_ context.Context, accountID int64, ch conversation.Channel, externalID string, p channel.Profile, at time.Time) error {
	*s.log = append(*s.log, "save")
	if accountID != messenger.AccountID || ch != messenger.Channel {
		return errors.New("saved in the wrong account or channel")
	}
	s.saved = append(s.saved, saved{externalID, p, at})
	return nil
}

// platform is a Messenger adapter whose webhook holds events and whose
// profile API answers profile or err (or hangs while hang is set).
type platform struct {
	events  []channel.Event
	profile channel.Profile
	err     error
	hang    bool
	log     *[]string
}

func (p *platform) Channel() conversation.Channel { return conversation.ChannelMessenger }
func (p *platform) SendText(context.Context, channel.Credentials, channel.Text) (channel.Sent, error) {
	return channel.Sent{}, errors.New("no sends here")
}
func (p *platform) SendPrompt(context.Context, channel.Credentials, channel.Prompt) (channel.Sent, error) {
	return channel.Sent{}, errors.New("no sends here")
}
func (p *platform) SendMedia(context.Context, channel.Credentials, channel.Media) (channel.Sent, error) {
	return channel.Sent{}, errors.New("no sends here")
}
func (p *platform) Parse([]byte) ([]channel.Event, error) { return p.events, nil }

func (p *platform) Profile(ctx context.Context, c channel.Credentials, userID string) (channel.Profile, error) {
	*p.log = append(*p.log, "profile "+userID)
	if c.AccessToken != "EAAG-page-token" || c.PageID != messenger.BusinessID {
		return channel.Profile{}, errors.New("wrong credentials")
	}
	if p.hang {
		<-ctx.Done()
		return channel.Profile{}, ctx.Err()
	}
	return p.profile, p.err
}

// whatsApp reads no profiles: it has an adapter's methods only.
type whatsApp struct{ channel.Adapter }

// domain is the linker and the receiver: it notes the name each message
// reached it with.
type domain struct {
	log    *[]string
	linked bool
}

func (d *domain) Handle(_ context.Context, _ *integration.Integration, in *channel.Inbound) (bool, error) {
	*d.log = append(*d.log, "link "+in.From.Name)
	return d.linked, nil
}

func (d *domain) Receive(_ context.Context, in conversation.Incoming) (*conversation.Written, error) {
	*d.log = append(*d.log, "receive "+in.Name)
	return &conversation.Written{}, nil
}

func (d *domain) Report(context.Context, *integration.Integration, channel.Status) error { return nil }

// inbox holds one webhook body of messenger.
type inbox struct{ processed bool }

func (in *inbox) Webhook(context.Context, int64) (int64, []byte, bool, error) {
	return messenger.ID, []byte("{}"), in.processed, nil
}

func (in *inbox) Processed(context.Context, int64) error {
	in.processed = true
	return nil
}

type lookup struct{}

func (lookup) WebhookIntegration(context.Context, int64) (*integration.Integration, error) {
	return messenger, nil
}

type adapters struct{ a channel.Adapter }

func (as adapters) For(*integration.Integration) channel.Adapter { return as.a }

type profileBundle struct {
	store    *profileStore
	platform *platform
	domain   *domain
	profiles *Profiles
	log      []string
}

func newProfileBundle(identities ...*conversation.Identity) *profileBundle {
	b := &profileBundle{}
	b.store = &profileStore{identities: map[string]*conversation.Identity{}, log: &b.log}
	for _, id := range identities {
		b.store.identities[id.ExternalID] = id
	}
	b.platform = &platform{profile: ana, log: &b.log,
		events: []channel.Event{{Business: messenger.BusinessID, Message: &channel.Inbound{ExternalID: "m_1", From: channel.Identity{ID: psid}, Kind: "text", Text: "olá"}}}}
	b.domain = &domain{log: &b.log}
	b.profiles = NewProfiles(b.store, slog.New(slog.DiscardHandler), func() time.Time { return now })
	return b
}

// work processes the webhook with adapter a.
func (b *profileBundle) work(t *testing.T, a channel.Adapter) {
	t.Helper()
	p := NewProcessor(&inbox{}, lookup{}, adapters{a}, b.domain, b.domain, b.domain, b.profiles, slog.New(slog.DiscardHandler))
	if err := p.Work(t.Context(), &river.Job[ProcessArgs]{Args: ProcessArgs{InboxID: 1}}); err != nil {
		t.Fatal(err)
	}
}

func (b *profileBundle) check(t *testing.T, want []string, saves ...saved) {
	t.Helper()
	if !slices.Equal(b.log, want) {
		t.Errorf("steps %q\n want %q", b.log, want)
	}
	if !slices.Equal(b.store.saved, saves) {
		t.Errorf("saved %+v\n want %+v", b.store.saved, saves)
	}
}

func identity(name string, profileAt *time.Time) *conversation.Identity {
	return &conversation.Identity{ID: 1, AccountID: messenger.AccountID, Channel: conversation.ChannelMessenger, ExternalID: psid,
		DisplayName: name, PictureURL: "https://old.example/pic", ProfileAt: profileAt}
}

func ago(d time.Duration) *time.Time {
	t := now.Add(-d)
	return &t
}

// R16, R27: a Messenger sender unknown so far is named from the profile
// before linking and the conversation see the message, and the profile is
// recorded after (the identity may only exist by then); a fresh profile is
// not read again, a stale one is.
func TestProfileNamesTheSender(t *testing.T) {
	b := newProfileBundle()
	b.work(t, b.platform)
	b.check(t, []string{"identity", "profile " + psid, "link Ana Pereira", "receive Ana Pereira", "save"}, saved{psid, ana, now})

	b = newProfileBundle(identity("Ana Pereira", ago(ProfileRefresh-time.Minute)))
	b.work(t, b.platform)
	b.check(t, []string{"identity", "link Ana Pereira", "receive Ana Pereira"})

	b = newProfileBundle(identity("Ana P", ago(ProfileRefresh)))
	b.work(t, b.platform)
	b.check(t, []string{"identity", "profile " + psid, "link Ana Pereira", "receive Ana Pereira", "save"}, saved{psid, ana, now})

	// Linking took the message: the profile is recorded all the same.
	b = newProfileBundle(identity("", nil))
	b.domain.linked = true
	b.work(t, b.platform)
	b.check(t, []string{"identity", "profile " + psid, "link Ana Pereira", "save"}, saved{psid, ana, now})
}

// A name in the payload, or a channel without a profile API (WhatsApp),
// costs no read at all; an opened link (a referral) leaves the read to
// the message that follows.
func TestProfileNotNeeded(t *testing.T) {
	b := newProfileBundle()
	b.platform.events[0].Message.From.Name = "Ana Souza"
	b.work(t, b.platform)
	b.check(t, []string{"link Ana Souza", "receive Ana Souza"})

	b = newProfileBundle()
	b.work(t, whatsApp{b.platform})
	b.check(t, []string{"link ", "receive "})

	b = newProfileBundle()
	b.domain.linked = true
	b.platform.events[0].Message.Kind, b.platform.events[0].Message.Text, b.platform.events[0].Message.Ref = "referral", "", "ll-token"
	b.work(t, b.platform)
	b.check(t, []string{"identity", "link "})
}

// R27: a failed read never fails the message: it goes on with the name
// known, if any. A permanent refusal is remembered, so that Meta is asked
// again after ProfileRefresh, not at every message; a transient one is
// not. A hung read costs at most the read's timeout.
func TestProfileReadFails(t *testing.T) {
	refused := &meta.Error{HTTPStatus: http.StatusBadRequest, Code: 100, Message: "(#100) No profile available for that user."}
	down := &meta.Error{HTTPStatus: http.StatusServiceUnavailable, Code: 2, Message: "Service temporarily unavailable"}

	b := newProfileBundle(identity("Ana Pereira", ago(ProfileRefresh+time.Hour)))
	b.platform.err = refused
	b.work(t, b.platform)
	b.check(t, []string{"identity", "profile " + psid, "link Ana Pereira", "receive Ana Pereira", "save"},
		saved{psid, channel.Profile{Name: "Ana Pereira", PictureURL: "https://old.example/pic"}, now})

	b = newProfileBundle(identity("Ana Pereira", ago(ProfileRefresh+time.Hour)))
	b.platform.err = down
	b.work(t, b.platform)
	b.check(t, []string{"identity", "profile " + psid, "link Ana Pereira", "receive Ana Pereira"})

	b = newProfileBundle()
	b.platform.err = refused
	b.work(t, b.platform)
	b.check(t, []string{"identity", "profile " + psid, "link ", "receive "})

	b = newProfileBundle()
	b.platform.hang = true
	b.profiles.timeout = 50 * time.Millisecond
	start := time.Now()
	b.work(t, b.platform)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a hung read held the job %v", d)
	}
	b.check(t, []string{"identity", "profile " + psid, "link ", "receive "})
}
