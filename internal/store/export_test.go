package store

import "context"

// RawSecrets reads an integration's secret columns as stored, for tests
// that check what a copy of the database would show.
func RawSecrets(ctx context.Context, db *DB, id int64) (accessToken, appSecret, previousAppSecret, keyID string, err error) {
	var r integrationRow
	err = db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	return r.AccessToken, r.AppSecret, r.PreviousAppSecret, r.SecretsKeyID, err
}
