package webhook

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
)

// ProfileRefresh is how long a profile read from a platform stands before
// it is read again: names change rarely, each read is a Graph API call,
// and Meta's picture URLs expire after some days.
const ProfileRefresh = 7 * 24 * time.Hour

// profileTimeout bounds a profile read: a name is a nicety, and the
// message waits for it.
const profileTimeout = 5 * time.Second

// ProfileReader reads an end user's profile from the platform. The
// Messenger and Instagram adapters do; WhatsApp's webhooks carry the name.
type ProfileReader interface {
	Profile(ctx context.Context, c channel.Credentials, userID string) (channel.Profile, error)
}

// ProfileStore finds identities and records what their profiles said.
type ProfileStore interface {
	IdentityByExternalID(ctx context.Context, accountID int64, ch conversation.Channel, externalID string) (*conversation.Identity, error)
	IntegrationSecrets(ctx context.Context, accountID, id int64) (integration.Secrets, error)
	SaveProfile(ctx context.Context, accountID int64, ch conversation.Channel, externalID string, p channel.Profile, at time.Time) error
}

// Profiles names the senders of messages whose payload has no name
// (Messenger, Instagram) from the platform's user profile, read once per
// identity and again after ProfileRefresh, so that the widget and the
// customer card show a name people recognise (R16, R27). A failed read
// costs the message its name, never its delivery.
type Profiles struct {
	store   ProfileStore
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
}

// NewProfiles returns the profile reader of webhook processing.
func NewProfiles(store ProfileStore, log *slog.Logger, now func() time.Time) *Profiles {
	return &Profiles{store: store, log: log, now: now, timeout: profileTimeout}
}

// profileRead is a profile read during a job, recorded once its message
// was handled: by then the identity may exist.
type profileRead struct {
	it      *integration.Integration
	userID  string
	profile channel.Profile
	at      time.Time
}

// name fills in.From.Name when the payload has none: from the identity's
// profile while it is fresh, otherwise from the platform through adapter.
// It returns the read to record, if any. Only store failures are errors.
func (ps *Profiles) name(ctx context.Context, it *integration.Integration, adapter channel.Adapter, in *channel.Inbound) (*profileRead, error) {
	reader, ok := adapter.(ProfileReader)
	if !ok || in.From.Name != "" || in.From.ID == "" {
		return nil, nil
	}
	id, err := ps.store.IdentityByExternalID(ctx, it.AccountID, it.Channel, in.From.ID)
	if apperr.CodeOf(err) == apperr.NotFound {
		id, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := ps.now()
	if id != nil {
		in.From.Name = id.DisplayName
		if id.ProfileAt != nil && now.Sub(*id.ProfileAt) < ProfileRefresh {
			return nil, nil
		}
	}
	if in.Kind == "referral" {
		// An opened m.me / ig.me link shows no one a name, and the
		// identity a link creates exists only after the end user's
		// answer: that message reads the profile, once.
		return nil, nil
	}
	sec, err := ps.store.IntegrationSecrets(ctx, it.AccountID, it.ID)
	if err != nil {
		return nil, err
	}
	readCtx, cancel := context.WithTimeout(ctx, ps.timeout)
	defer cancel()
	p, err := reader.Profile(readCtx, channel.CredentialsFor(it, sec), in.From.ID)
	if err != nil {
		ps.log.WarnContext(ctx, "webhook: profile read failed", "integration", it.ID, "channel", it.Channel, "err", err)
		if id == nil || meta.Classify(err).Kind != meta.Permanent {
			return nil, nil
		}
		// Meta will answer the same for a while: keep what is known and
		// ask again after ProfileRefresh, not at every message.
		p = channel.Profile{Name: id.DisplayName, PictureURL: id.PictureURL}
	}
	in.From.Name = cmp.Or(p.Name, in.From.Name)
	return &profileRead{it: it, userID: in.From.ID, profile: p, at: now}, nil
}

// record stores r on its identity; a nil r is nothing to store.
func (ps *Profiles) record(ctx context.Context, r *profileRead) error {
	if r == nil {
		return nil
	}
	return ps.store.SaveProfile(ctx, r.it.AccountID, r.it.Channel, r.userID, r.profile, r.at)
}
