package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"
)

// River keeps durable jobs (deliveries, webhook processing) in our own
// database, so a job commits with the rows that asked for it.

// RiverDriver returns the River driver over this database. On PostgreSQL
// River polls for jobs rather than listening: its listener would need a pgx
// pool beside gorm's, and a poll interval of a second is fast enough for
// deliveries that already left the user's path.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	sqlDB, _ := db.gorm.DB()
	if db.postgres {
		return riverdatabasesql.New(sqlDB)
	}
	return riversqlite.New(sqlDB)
}

// riverMigrations wraps River's own schema migrations as goose Go
// migrations: River's versions 1–8 cannot run in one transaction on
// PostgreSQL (index builds), so they run in two steps, outside goose's
// transaction but under its lock.
func (db *DB) riverMigrations() []*goose.Migration {
	step := func(target int) *goose.GoFunc {
		return &goose.GoFunc{RunDB: func(ctx context.Context, sqlDB *sql.DB) error {
			return db.migrateRiver(ctx, sqlDB, rivermigrate.DirectionUp, target)
		}}
	}
	down := func(target int) *goose.GoFunc {
		return &goose.GoFunc{RunDB: func(ctx context.Context, sqlDB *sql.DB) error {
			return db.migrateRiver(ctx, sqlDB, rivermigrate.DirectionDown, target)
		}}
	}
	return []*goose.Migration{
		goose.NewGoMigration(3, step(5), down(-1)),
		goose.NewGoMigration(4, step(8), down(5)),
	}
}

func (db *DB) migrateRiver(ctx context.Context, sqlDB *sql.DB, dir rivermigrate.Direction, target int) error {
	quiet := slog.New(slog.DiscardHandler)
	var err error
	if db.postgres {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riverdatabasesql.New(sqlDB), &rivermigrate.Config{Logger: quiet}); err == nil {
			_, err = m.Migrate(ctx, dir, &rivermigrate.MigrateOpts{TargetVersion: target})
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(sqlDB), &rivermigrate.Config{Logger: quiet}); err == nil {
			_, err = m.Migrate(ctx, dir, &rivermigrate.MigrateOpts{TargetVersion: target})
		}
	}
	if err != nil {
		return fmt.Errorf("river migrations to %d: %w", target, err)
	}
	return nil
}

// sqlTx is the database/sql transaction under a gorm transaction, for
// River to insert jobs into.
func sqlTx(tx *gorm.DB) (*sql.Tx, error) {
	switch p := tx.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p, nil
	case *gorm.PreparedStmtTX:
		if t, ok := p.Tx.(*sql.Tx); ok {
			return t, nil
		}
	}
	return nil, fmt.Errorf("store: no sql.Tx under %T", tx.Statement.ConnPool)
}
