package store

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/conversation"
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

// deliver applies one delivery update within a batch's transaction and
// returns the messages it moved. moved holds the messages earlier updates
// of the batch moved, so two reports in one batch see each other.
func (a *Appender) deliver(tx *gorm.DB, accountID int64, d *conversation.DeliveryUpdate, moved map[int64]*messageRow, now time.Time) ([]*messageRow, error) {
	q := tx.Where("account_id = ?", accountID)
	switch {
	case d.MessageID != 0:
		q = q.Where("id = ?", d.MessageID)
	case d.ExternalID != "":
		q = q.Where("channel = ? AND external_id = ?", string(d.Channel), d.ExternalID)
	case d.IdentityID != 0:
		q = q.Where("identity_id = ? AND delivery_state IN ? AND created_at <= ?", d.IdentityID,
			[]string{string(conversation.DeliverySent), string(conversation.DeliveryDelivered)}, d.Watermark.UTC())
	default:
		return nil, errors.New("store: a delivery update names no message")
	}
	var rows []messageRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 && d.ExternalID != "" {
		// The report overtook the recording of its send: keep it.
		r := reportRow{Channel: string(d.Channel), ExternalID: d.ExternalID, State: string(d.State), Error: d.Error, ReportedAt: now}
		return nil, tx.Create(&r).Error
	}
	var out []*messageRow
	for i := range rows {
		row := &rows[i]
		if m := moved[row.ID]; m != nil {
			row = m
		}
		before := *row
		if d.SentAs != "" && row.ExternalID == "" {
			row.ExternalID = d.SentAs
		}
		if conversation.DeliveryState(row.DeliveryState).Advances(d.State) {
			row.DeliveryState = string(d.State)
			if d.Error != "" {
				row.DeliveryError = d.Error
			}
		}
		if d.SentAs != "" {
			if err := a.applyReports(tx, row); err != nil {
				return nil, err
			}
		}
		if *row == before {
			continue
		}
		if err := tx.Model(&messageRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"delivery_state": row.DeliveryState, "delivery_error": row.DeliveryError, "external_id": row.ExternalID,
		}).Error; err != nil {
			return nil, err
		}
		moved[row.ID] = row
		out = append(out, row)
	}
	return out, nil
}

// applyReports applies, and forgets, the reports that arrived for a send
// before its platform id was recorded.
func (a *Appender) applyReports(tx *gorm.DB, row *messageRow) error {
	var reports []reportRow
	if err := tx.Where("channel = ? AND external_id = ?", row.Channel, row.ExternalID).Order("id").Find(&reports).Error; err != nil {
		return err
	}
	if len(reports) == 0 {
		return nil
	}
	for _, r := range reports {
		if conversation.DeliveryState(row.DeliveryState).Advances(conversation.DeliveryState(r.State)) {
			row.DeliveryState = r.State
			if r.Error != "" {
				row.DeliveryError = r.Error
			}
		}
	}
	return tx.Where("channel = ? AND external_id = ?", row.Channel, row.ExternalID).Delete(&reportRow{}).Error
}
