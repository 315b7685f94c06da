package delivery

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

type recordWriter struct{ cmds []conversation.Command }

func (w *recordWriter) Write(_ context.Context, c conversation.Command) (*conversation.Written, error) {
	w.cmds = append(w.cmds, c)
	return &conversation.Written{}, nil
}

// R31, R17: a widget receipt names the conversation's widget replies up to
// a position that are not yet read, and moves each only forward: a late
// acknowledgement leaves a read reply read.
func TestWidgetReceipt(t *testing.T) {
	w := &recordWriter{}
	s := NewService(nil, w, nil, nil, slog.New(slog.DiscardHandler), time.Now)
	c := &conversation.Conversation{ID: 7, AccountID: 1}
	if err := s.WidgetReceipt(t.Context(), c, 12, conversation.DeliveryDelivered); err != nil {
		t.Fatal(err)
	}
	u := w.cmds[0].(conversation.DeliveryUpdate)
	if u.ConversationID != 7 || u.AccountID != 1 || u.Channel != conversation.ChannelWebWidget || u.UpToSeq != 12 ||
		!slices.Equal(u.Among, []conversation.DeliveryState{conversation.DeliverySent, conversation.DeliveryDelivered}) {
		t.Errorf("update: %+v", u)
	}
	sent := &conversation.Message{DeliveryState: conversation.DeliverySent}
	read := &conversation.Message{DeliveryState: conversation.DeliveryRead}
	if !u.Apply(sent, nil) || sent.DeliveryState != conversation.DeliveryDelivered {
		t.Errorf("sent → %s", sent.DeliveryState)
	}
	if u.Apply(read, nil) || read.DeliveryState != conversation.DeliveryRead {
		t.Errorf("read → %s", read.DeliveryState)
	}
}
