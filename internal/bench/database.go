package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/linkline/linkline/internal/account"
)

// Database is where the server under test keeps its data. It must start
// empty: the server seeds its demo account, whose tokens the bench uses,
// only on an empty database.
type Database struct {
	kind string
	// args are the server flags that select it.
	args []string
	// url is a PostgreSQL database's.
	url     string
	cleanup func() error
	// secretsKey seals the integration credentials of every instance on
	// this database (PostgreSQL refuses to start without one).
	secretsKey string
}

// NewPostgres creates a new, empty database with a new secrets key on the
// PostgreSQL server serverURL points at; Cleanup drops it.
func NewPostgres(ctx context.Context, serverURL string) (*Database, error) {
	return prepareDatabase(ctx, config{dbURL: serverURL, freshDB: true})
}

// URL is a PostgreSQL database's URL.
func (db *Database) URL() string { return db.url }

// Cleanup removes the database, once its servers have stopped.
func (db *Database) Cleanup() error { return db.cleanup() }

func prepareDatabase(ctx context.Context, cfg config) (*Database, error) {
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	db.secretsKey = base64.StdEncoding.EncodeToString(key)
	return db, nil
}

func openDatabase(ctx context.Context, cfg config) (*Database, error) {
	switch {
	case cfg.dbURL == "":
		return sqliteDatabase()
	case cfg.freshDB:
		return freshPostgres(ctx, cfg.dbURL)
	default:
		return &Database{kind: "postgres", args: []string{"-database-url", cfg.dbURL}, url: cfg.dbURL, cleanup: func() error { return nil }}, nil
	}
}

func sqliteDatabase() (*Database, error) {
	dir, err := os.MkdirTemp("", "linkline-bench-*")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &Database{
		kind:    "sqlite",
		args:    []string{"-sqlite-path", filepath.Join(dir, "linkline.db")},
		cleanup: func() error { return os.RemoveAll(dir) },
	}, nil
}

// freshPostgres creates a new database on the server serverURL points at,
// so that the demo seed runs, and drops it in cleanup (after the server
// under test has stopped and closed its connections).
func freshPostgres(ctx context.Context, serverURL string) (*Database, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("bench: -database-url: %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "linkline_bench_" + hex.EncodeToString(b)
	if err := execPostgres(ctx, serverURL, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("bench: create database (or pass -fresh-db=false with an empty database): %w", err)
	}
	u.Path = "/" + name
	return &Database{
		kind: "postgres",
		args: []string{"-database-url", u.String()},
		url:  u.String(),
		cleanup: func() error {
			if err := execPostgres(context.Background(), serverURL, "DROP DATABASE "+name); err != nil {
				return fmt.Errorf("drop database %s: %w", name, err)
			}
			return nil
		},
	}, nil
}

func execPostgres(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(ctx, sql)
	return err
}

// env is the environment of a Linkline process on db: the flags in args
// choose the database, and empty variables keep the caller's environment
// from choosing another.
func (db *Database) env() []string {
	return []string{"DATABASE_URL=", "SQLITE_PATH=", "SECRETS_KEY=" + db.secretsKey, "SECRETS_OLD_KEYS=", "SECRETS_UNENCRYPTED="}
}

// createAccount makes an account on db with the operator command, as an
// operator would, and returns its admin's token.
func createAccount(ctx context.Context, db *Database, name string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	args := append([]string{"accounts", "create", "-name", name, "-plan", string(account.PlanSuiteProfessional),
		"-admin-name", "Bench admin", "-admin-email", "admin@bench.example"}, db.args...)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), db.env()...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("bench: accounts create: %w", err)
	}
	// The token is the last line of what the command prints.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}
