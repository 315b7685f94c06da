package store

import (
	"context"
	"database/sql"
)

// Queued is how many writes wait for the appender's next batch.
func Queued(a *Appender) int { return len(a.reqs) }

// Checkpoint runs one of SQLite's checkpoint passes and returns the log's
// length; a pass finding it past limit pages has the appender copy the
// rest between two batches.
func Checkpoint(ctx context.Context, db *DB, limit int) (pages int, err error) {
	db.checkpoints.limit = limit
	return db.checkpoints.pass(ctx)
}

// LogLong reports that a pass found the log long and the appender has not
// copied the rest yet.
func LogLong(db *DB) bool { return db.checkpoints.long.Load() }

// AutoCheckpoint is the log length at which a commit checkpoints, on the
// connection that commits (0: never).
func AutoCheckpoint(ctx context.Context, db *DB) (pages int, err error) {
	return pages, db.gorm.WithContext(ctx).Raw("PRAGMA wal_autocheckpoint").Scan(&pages).Error
}

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
