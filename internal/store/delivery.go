package store

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

type reportRow struct {
	ID         int64
	Channel    string
	ExternalID string
	State      string
	Error      string
	ReportedAt time.Time
}

func (reportRow) TableName() string { return "delivery_reports" }

// deliver applies one delivery update: each message it moves gets an
// event carrying its conversation. The batch keeps the messages it moved,
// so that two reports in one batch see each other.
func (w *write) deliver(d conversation.DeliveryUpdate) error {
	tx, moved := w.tx, w.delivered
	q := tx.Where("account_id = ?", w.account)
	switch {
	case d.MessageID != 0:
		q = q.Where("id = ?", d.MessageID)
	case d.ExternalID != "":
		q = q.Where("channel = ? AND external_id = ?", string(d.Channel), d.ExternalID)
	case d.IdentityID != 0:
		q = q.Where("identity_id = ? AND delivery_state IN ? AND created_at <= ?", d.IdentityID, states(d.Among), d.Watermark.UTC())
	case d.ConversationID != 0:
		q = q.Where("conversation_id = ? AND channel = ? AND seq <= ? AND delivery_state IN ?",
			d.ConversationID, string(d.Channel), d.UpToSeq, states(d.Among))
	default:
		return errors.New("store: a delivery update names no message")
	}
	var rows []messageRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 && d.ExternalID != "" {
		// The report overtook the recording of its send: keep it.
		r := reportRow{Channel: string(d.Channel), ExternalID: d.ExternalID, State: string(d.State), Error: d.Error, ReportedAt: w.now}
		return tx.Create(&r).Error
	}
	for i := range rows {
		row := &rows[i]
		if m := moved[row.ID]; m != nil {
			row = m
		}
		var kept []conversation.DeliveryReport
		if d.SentAs != "" {
			var err error
			if kept, err = takeReports(tx, row.Channel, d.SentAs); err != nil {
				return err
			}
		}
		m := row.domain()
		if !d.Apply(m, kept) {
			continue
		}
		row.DeliveryState, row.DeliveryError, row.ExternalID = string(m.DeliveryState), m.DeliveryError, m.ExternalID
		if err := tx.Model(&messageRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"delivery_state": row.DeliveryState, "delivery_error": row.DeliveryError, "external_id": row.ExternalID,
		}).Error; err != nil {
			return err
		}
		moved[row.ID] = row
		c, err := w.conversation(row.ConversationID)
		if err != nil {
			return err
		}
		m = row.domain()
		w.emit(c, feed.KindDeliveryStateChanged, m).Conversation = c.domain()
		w.res.Updated = append(w.res.Updated, m)
	}
	return nil
}

func states(ss []conversation.DeliveryState) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// takeReports returns, and forgets, the reports kept for a send's platform
// id, oldest first.
func takeReports(tx *gorm.DB, channel, externalID string) ([]conversation.DeliveryReport, error) {
	var rows []reportRow
	if err := tx.Where("channel = ? AND external_id = ?", channel, externalID).Order("id").Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	out := make([]conversation.DeliveryReport, len(rows))
	for i, r := range rows {
		out[i] = conversation.DeliveryReport{State: conversation.DeliveryState(r.State), Error: r.Error}
	}
	return out, tx.Where("channel = ? AND external_id = ?", channel, externalID).Delete(&reportRow{}).Error
}
