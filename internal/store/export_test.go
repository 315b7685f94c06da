package store

import (
	"context"
	"database/sql"
)

// RawSecrets reads an integration's secret columns as stored, for tests
// that check what a copy of the database would show.
func RawSecrets(ctx context.Context, db *DB, id int64) (accessToken, appSecret, previousAppSecret, keyID string, err error) {
	var r integrationRow
	err = db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	return r.AccessToken, r.AppSecret, r.PreviousAppSecret, r.SecretsKeyID, err
}

// RedoTokensMigration runs the tokens migration down, then up again, each
// in a transaction of its own, as goose would, and renews the pool's
// connections.
func RedoTokensMigration(ctx context.Context, db *DB) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	for _, step := range []func(context.Context, *sql.Tx) error{db.tokensDown, db.tokensUp} {
		tx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := step(ctx, tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	// The agents table's columns now stand in another order than the
	// later migrations left them in, which PostgreSQL's cached statements
	// on the pool's connections refuse: fresh connections, as after the
	// restart that a migration run down and up again means.
	open := sqlDB.Stats().MaxOpenConnections
	sqlDB.SetMaxIdleConns(0)
	sqlDB.SetMaxIdleConns(open)
	return nil
}
