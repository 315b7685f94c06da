package linking

import (
	"context"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/widget"
)

// fakeRequests keeps link requests of one account in memory.
type fakeRequests struct {
	convs    map[int64]*conversation.Conversation
	requests []*conversation.LinkRequest
}

func (f *fakeRequests) Conversation(_ context.Context, accountID, id int64) (*conversation.Conversation, error) {
	if c := f.convs[id]; c != nil && c.AccountID == accountID {
		return c, nil
	}
	return nil, apperr.NotFoundf("conversation")
}

func (f *fakeRequests) Widget(context.Context, int64, int64) (*widget.Widget, error) {
	return nil, apperr.NotFoundf("widget")
}

func (f *fakeRequests) ReplaceLinkRequest(_ context.Context, r *conversation.LinkRequest) error {
	f.requests = append(f.requests, r)
	return nil
}

func (f *fakeRequests) LinkRequest(_ context.Context, accountID, id int64) (*conversation.LinkRequest, error) {
	for _, r := range f.requests {
		if r.ID == id && r.AccountID == accountID {
			c := *r
			return &c, nil
		}
	}
	return nil, apperr.NotFoundf("link request")
}

func (f *fakeRequests) PendingLinkRequests(_ context.Context, accountID, conversationID int64) ([]*conversation.LinkRequest, error) {
	var out []*conversation.LinkRequest
	for _, r := range f.requests {
		if r.AccountID == accountID && r.ConversationID == conversationID && r.Status == conversation.RequestPending {
			c := *r
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeRequests) CancelLinkRequest(context.Context, *conversation.LinkRequest) (bool, error) {
	return false, nil
}

// R27: a session reads its conversation's requests still waiting for the
// phone, with their deep links; an expired one, one no longer pending,
// an agent and another end user see no link.
func TestPendingRequestsShowLinksToTheirSessionOnly(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := &conversation.Conversation{ID: 7, AccountID: 1, EndUserID: 3}
	store := &fakeRequests{convs: map[int64]*conversation.Conversation{7: c}, requests: []*conversation.LinkRequest{
		{ID: 1, AccountID: 1, ConversationID: 7, Status: conversation.RequestPending, ExpiresAt: now.Add(time.Minute), DeepLink: "https://wa.me/1?text=ll-a"},
		{ID: 2, AccountID: 1, ConversationID: 7, Status: conversation.RequestPending, ExpiresAt: now, DeepLink: "https://m.me/p?ref=ll-b"},
		{ID: 3, AccountID: 1, ConversationID: 7, Status: conversation.RequestAwaiting, ExpiresAt: now.Add(time.Minute), DeepLink: "https://ig.me/m/x?ref=ll-c"},
	}}
	rs := NewRequests(store, nil, auth.NewLimiter(auth.LimitsConfig{}, nil), nil, func() time.Time { return now })
	owner := &auth.Actor{Session: &auth.Session{ID: 9, AccountID: 1, EndUserID: 3}}

	got, err := rs.Pending(t.Context(), owner, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != 1 || got[0].DeepLink != "https://wa.me/1?text=ll-a" {
		t.Errorf("pending for the owner: %+v", got)
	}
	for name, actor := range map[string]*auth.Actor{
		"agent":          {Agent: &account.Agent{ID: 5, AccountID: 1}},
		"other end user": {Session: &auth.Session{ID: 10, AccountID: 1, EndUserID: 4}},
		"anonymous":      {},
	} {
		got, err := rs.Pending(t.Context(), actor, c)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s: %+v, %v; want an empty list", name, got, err)
		}
	}

	// Read one by one, only the pending, unexpired request shows its link,
	// whatever the stored row still holds.
	for id, want := range map[int64]string{1: "https://wa.me/1?text=ll-a", 2: "", 3: ""} {
		r, err := rs.Get(t.Context(), owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.DeepLink != want {
			t.Errorf("request %d (%s) shows %q, want %q", id, r.StatusAt(now), r.DeepLink, want)
		}
	}
}
