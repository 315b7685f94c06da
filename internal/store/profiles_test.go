package store_test

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/store"
)

// R16, R27: a profile read is recorded on its identity, in its account
// only; a profile without a name keeps the name the identity has.
func TestSaveProfile(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		ctx, acct := t.Context(), f.acct.ID
		const psid = "6543210987654321"
		_, err := f.appender.Write(ctx, conversation.Receive{AccountID: acct,
			From: conversation.SocialSender{Channel: conversation.ChannelMessenger, ExternalID: psid, At: time.Now()},
			Message: &conversation.Message{AccountID: acct, Channel: conversation.ChannelMessenger, AuthorRole: conversation.AuthorEndUser,
				Text: "olá", ClientMessageID: "ext:1", ExternalID: "m_1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		read := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		ana := channel.Profile{Name: "Ana Pereira", PictureURL: "https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1"}
		if err := f.db.SaveProfile(ctx, acct, conversation.ChannelMessenger, psid, ana, read); err != nil {
			t.Fatal(err)
		}
		check := func(name, picture string, at time.Time) {
			t.Helper()
			id, err := f.db.IdentityByExternalID(ctx, acct, conversation.ChannelMessenger, psid)
			if err != nil {
				t.Fatal(err)
			}
			if id.DisplayName != name || id.PictureURL != picture || id.ProfileAt == nil || !id.ProfileAt.Equal(at) {
				t.Errorf("identity %q %q %v, want %q %q %v", id.DisplayName, id.PictureURL, id.ProfileAt, name, picture, at)
			}
		}
		check(ana.Name, ana.PictureURL, read)

		later := read.Add(8 * 24 * time.Hour)
		if err := f.db.SaveProfile(ctx, acct, conversation.ChannelMessenger, psid, channel.Profile{}, later); err != nil {
			t.Fatal(err)
		}
		check(ana.Name, "", later)

		// Another account's, another channel's, and an identity not yet
		// created: nothing changes, and nothing fails.
		other := &account.Account{Name: "B", Plan: account.PlanSuiteTeam}
		if err := f.db.NewAccount(ctx, other); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			acct int64
			ch   conversation.Channel
			user string
		}{{other.ID, conversation.ChannelMessenger, psid}, {acct, conversation.ChannelInstagram, psid}, {acct, conversation.ChannelMessenger, "7654321098765432"}} {
			if err := f.db.SaveProfile(ctx, tc.acct, tc.ch, tc.user, channel.Profile{Name: "Eve"}, later.Add(time.Hour)); err != nil {
				t.Errorf("%+v: %v", tc, err)
			}
		}
		check(ana.Name, "", later)
	})
}
