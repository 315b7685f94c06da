package linking

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/linkline/linkline/internal/conversation"
)

// fakeOffStore has linked conversations to cancel and end.
type fakeOffStore struct {
	linked    []int64
	cancelled []conversation.Channel
}

func (f *fakeOffStore) CancelLinkRequests(_ context.Context, _, _ int64, ch conversation.Channel) error {
	f.cancelled = append(f.cancelled, ch)
	return nil
}

func (f *fakeOffStore) LinkedConversations(context.Context, int64, int64, conversation.Channel) ([]int64, error) {
	return f.linked, nil
}

// fakeEnder ends links; conversation 3's had ended meanwhile.
type fakeEnder struct{ ended []int64 }

func (f *fakeEnder) EndLink(_ context.Context, _, id int64, ch conversation.Channel) (*conversation.Identity, error) {
	f.ended = append(f.ended, id)
	if id == 3 {
		return nil, nil
	}
	return &conversation.Identity{ID: 100 + id, AccountID: 1, Channel: ch, ExternalID: "phone"}, nil
}

type fakeAnnouncer struct{ told []string }

func (f *fakeAnnouncer) Announce(_ context.Context, to *conversation.Identity, text string) {
	f.told = append(f.told, fmt.Sprint(to.ID, " ", text))
}

// greekFor speaks Greek to conversation 4, English to the rest.
type greekFor int64

func (g greekFor) Of(_ context.Context, _, conversationID int64) (Language, error) {
	if conversationID == int64(g) {
		return Greek, nil
	}
	return English, nil
}

// R3, R26, R27: turning a channel off cancels its pending requests, ends
// every active link to it, and tells each end user still linked on the
// channel, in the conversation's language.
func TestChannelOffEndsAndAnnounces(t *testing.T) {
	st := &fakeOffStore{linked: []int64{2, 3, 4}}
	ender, ann := &fakeEnder{}, &fakeAnnouncer{}
	d := NewDisabler(st, ender, ann, greekFor(4))
	if err := d.ChannelOff(t.Context(), 1, 5, conversation.ChannelWhatsApp); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.cancelled, []conversation.Channel{conversation.ChannelWhatsApp}) || !slices.Equal(ender.ended, []int64{2, 3, 4}) {
		t.Errorf("cancelled %v, ended %v", st.cancelled, ender.ended)
	}
	want := []string{"102 " + Text(English, TextLinkEndedByAdmin), "104 " + Text(Greek, TextLinkEndedByAdmin)}
	if !slices.Equal(ann.told, want) {
		t.Errorf("announced %q, want each ended link's identity told in its conversation's language", ann.told)
	}
}
