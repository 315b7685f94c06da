package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/linkline/linkline/internal/template"
)

var _ template.Store = (*DB)(nil)

type templateRow struct {
	ID            int64
	AccountID     int64
	IntegrationID int64
	Name          string
	Language      string
	Status        string
	Category      string
	Header        string
	Body          string
	Footer        string
	Parameters    int
	SyncedAt      time.Time
}

func (templateRow) TableName() string { return "whatsapp_templates" }

func (r *templateRow) domain() *template.Template {
	return &template.Template{
		ID: r.ID, AccountID: r.AccountID, IntegrationID: r.IntegrationID, Name: r.Name, Language: r.Language,
		Status: r.Status, Category: r.Category, Header: r.Header, Body: r.Body, Footer: r.Footer,
		Parameters: r.Parameters, SyncedAt: r.SyncedAt,
	}
}

// ReplaceTemplates makes ts the integration's templates in one
// transaction: rows keep their ids across syncs, so that a template an
// agent picked is still the same one.
func (db *DB) ReplaceTemplates(ctx context.Context, accountID, integrationID int64, ts []*template.Template) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []templateRow
		if err := tx.Where("account_id = ? AND integration_id = ?", accountID, integrationID).Find(&rows).Error; err != nil {
			return err
		}
		type key struct{ name, language string }
		old := map[key]templateRow{}
		for _, r := range rows {
			old[key{r.Name, r.Language}] = r
		}
		for _, t := range ts {
			r := templateRow{AccountID: accountID, IntegrationID: integrationID, Name: t.Name, Language: t.Language,
				Status: t.Status, Category: t.Category, Header: t.Header, Body: t.Body, Footer: t.Footer,
				Parameters: t.Parameters, SyncedAt: t.SyncedAt}
			k := key{t.Name, t.Language}
			prev, ok := old[k]
			if !ok {
				if err := tx.Create(&r).Error; err != nil {
					return err
				}
				t.ID = r.ID
				continue
			}
			delete(old, k)
			t.ID = prev.ID
			if err := tx.Model(&templateRow{}).Where("id = ?", prev.ID).Updates(map[string]any{
				"status": r.Status, "category": r.Category, "header": r.Header, "body": r.Body, "footer": r.Footer,
				"parameters": r.Parameters, "synced_at": r.SyncedAt,
			}).Error; err != nil {
				return err
			}
		}
		for _, r := range old {
			if err := tx.Delete(&templateRow{}, r.ID).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Templates lists the account's templates, of one integration unless
// integrationID is 0.
func (db *DB) Templates(ctx context.Context, accountID, integrationID int64) ([]*template.Template, error) {
	q := db.scoped(ctx, accountID, "whatsapp_templates")
	if integrationID != 0 {
		q = q.Where("integration_id = ?", integrationID)
	}
	var rows []templateRow
	if err := q.Order("name, language, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return domains(rows, (*templateRow).domain), nil
}

// Template returns one of the account's templates.
func (db *DB) Template(ctx context.Context, accountID, id int64) (*template.Template, error) {
	var r templateRow
	if err := db.scoped(ctx, accountID, "whatsapp_templates").Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "template")
	}
	return r.domain(), nil
}
