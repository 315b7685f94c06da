// Package store keeps everything on disk: gorm models, versioned migrations,
// the batching write path for conversations and their events, and the
// PostgreSQL notifications that tie instances together. It runs on
// PostgreSQL in production and on an embedded SQLite file by default.
package store

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/linkline/linkline/internal/apperr"
)

// Config says which database to open.
type Config struct {
	// URL is a postgres:// URL; empty selects SQLite at SQLitePath.
	URL        string
	SQLitePath string
	// MaxConns bounds PostgreSQL connections (SQLite uses one, and one
	// more for checkpoints).
	MaxConns int
	// CheckpointEvery is how often SQLite's log is copied into its file
	// (checkpoint.go): 0 is every 250 ms, negative only when a test asks.
	CheckpointEvery time.Duration
	Logger          *slog.Logger
	// Now is the clock; UTC is stored.
	Now func() time.Time
	// Secrets seals integration credentials; nil keeps them in clear (a
	// nil interface: a nil *secret.Keyring in it would not be).
	Secrets Sealer
}

// DB is the database of the service.
type DB struct {
	gorm     *gorm.DB
	postgres bool
	url      string
	log      *slog.Logger
	now      func() time.Time
	keys     Sealer
	// hot speaks the write path's frequent statements in the database's
	// cheapest form.
	hot batchSQL
	// instance tells this process's notifications from other instances'
	// when its own listener hears them back.
	instance string
	// checkpoints copies SQLite's log into its file, off the write path.
	checkpoints *checkpointer
}

//go:embed migrations
var migrations embed.FS

// Open opens the database and applies pending migrations. On PostgreSQL the
// migrations run under an advisory lock, so instances starting together
// apply each migration once.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return cfg.Now().UTC() },
	}
	db := &DB{log: cfg.Logger, now: func() time.Time { return cfg.Now().UTC() }, keys: cfg.Secrets, instance: rand.Text()}
	var err error
	if cfg.URL != "" {
		db.postgres = true
		db.url = cfg.URL
		db.gorm, err = gorm.Open(postgres.New(postgres.Config{DSN: cfg.URL}), gcfg)
	} else {
		if err := os.MkdirAll(filepath.Dir(cfg.SQLitePath), 0o750); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// One connection once migrated: SQLite has one writer anyway, and
		// the write path batches. WAL lets tools read the file meanwhile;
		// the log is checkpointed by a connection of its own (checkpoint.go).
		dsn := "file:" + filepath.ToSlash(cfg.SQLitePath) + "?" + url.Values{
			"_pragma": {"foreign_keys(1)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)",
				"wal_autocheckpoint(0)"},
			"_txlock":      {"immediate"},
			"_time_format": {"sqlite"},
		}.Encode()
		db.gorm, err = gorm.Open(sqlite.Open(dsn), gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, err
	}
	if db.postgres {
		sqlDB.SetMaxOpenConns(max(cfg.MaxConns, 4))
		sqlDB.SetMaxIdleConns(max(cfg.MaxConns, 4))
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// goose holds a connection while River's migrations (run inside
		// goose's) take another.
		sqlDB.SetMaxOpenConns(2)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if db.postgres {
		db.hot = postgresBatch{}
		return db, nil
	}
	sqlDB.SetMaxOpenConns(1)
	if db.hot, err = prepareSQLite(ctx, sqlDB); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	every := cfg.CheckpointEvery
	if every == 0 {
		every = checkpointEvery
	}
	if db.checkpoints, err = startCheckpoints(ctx, filepath.ToSlash(cfg.SQLitePath), sqlDB, every, db.log); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	sqlDB, _ := db.gorm.DB()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	} else if fsys, err = sqliteMigrations(fsys); err != nil {
		return err
	}
	opts = append(opts, goose.WithGoMigrations(append(db.riverMigrations(), db.tokensMigration(), db.searchMigration())...))
	p, err := goose.NewProvider(dialect, sqlDB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range res {
		db.log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// Postgres reports whether the database is PostgreSQL.
func (db *DB) Postgres() bool { return db.postgres }

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the database.
func (db *DB) Close() error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	var stopped error
	if db.checkpoints != nil {
		stopped = db.checkpoints.close()
	}
	return errors.Join(stopped, db.hot.close(), sqlDB.Close())
}

// settleLog runs between two of the appender's transactions. On SQLite,
// once its log has grown long, the committing connection copies what the
// checkpoints have left, so that its next write starts the log over.
func (db *DB) settleLog(ctx context.Context) {
	if db.checkpoints == nil {
		return
	}
	if err := db.checkpoints.catchUp(ctx); err != nil {
		db.log.Warn("sqlite checkpoint failed", "err", err)
	}
}

// notFound turns gorm's "no row" into the domain's NOT_FOUND.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.NotFoundf(what)
	}
	return err
}

// scoped starts a query on table restricted to one account: the only way
// this package reads tenant data, so an unscoped read has to be spelled out.
func (db *DB) scoped(ctx context.Context, accountID int64, table string) *gorm.DB {
	return db.gorm.WithContext(ctx).Table(table).Where(table+".account_id = ?", accountID)
}
