package store_test

import (
	"slices"
	"testing"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/store"
)

// R30, R34: the calls an attempt made before it failed (a file sent, its
// text not) are kept for the retry, which goes on from there; an attempt
// without them changes nothing, and another message's are not this one's.
func TestSendParts(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		ctx := t.Context()
		c := f.startConversation(t)
		wa := f.link(t, c, f.integration(t, conversation.ChannelWhatsApp), "5511900000001")
		m := f.outbound(t, c, wa, conversation.DeliveryQueued)
		other := f.outbound(t, c, wa, conversation.DeliveryQueued)

		parts := func(id int64) []string {
			t.Helper()
			got, err := f.db.SentParts(ctx, f.acct.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := parts(m.ID); len(got) != 0 {
			t.Fatalf("parts before any attempt: %q", got)
		}
		first, _, _, err := f.db.StartSend(ctx, f.acct.ID, m.ID, "")
		if err == nil {
			err = f.db.PartsSent(ctx, f.acct.ID, first, []string{"wamid.file"})
		}
		if err == nil {
			_, err = f.db.EndSend(ctx, f.acct.ID, first, "", "the text failed")
		}
		if err != nil {
			t.Fatal(err)
		}
		second, sentAs, unfinished, err := f.db.StartSend(ctx, f.acct.ID, m.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		// The file's id is no platform id of the message: it was not sent.
		if sentAs != "" || unfinished != 0 {
			t.Fatalf("after a partly sent attempt: sentAs %q, unfinished %d", sentAs, unfinished)
		}
		if _, err := f.db.EndSend(ctx, f.acct.ID, second, "", "failed again, sending nothing"); err != nil {
			t.Fatal(err)
		}
		if got := parts(m.ID); !slices.Equal(got, []string{"wamid.file"}) {
			t.Fatalf("parts %q", got)
		}
		if got := parts(other.ID); len(got) != 0 {
			t.Fatalf("another message's parts: %q", got)
		}
	})
}
