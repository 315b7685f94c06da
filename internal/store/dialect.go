package store

import (
	"io/fs"
	"strings"
	"testing/fstest"
)

// Migrations are written once, in PostgreSQL's SQL; SQLite's are derived
// from them by these rewrites, so the two schemas cannot drift apart. The
// migrations keep to types and syntax for which a rewrite is exact.
var sqliteRewrites = strings.NewReplacer(
	"bigserial PRIMARY KEY", "integer PRIMARY KEY AUTOINCREMENT",
	"timestamptz", "datetime",
	"bytea", "blob",
	"DEFAULT false", "DEFAULT 0",
	// SQLite has no write-ahead log to skip.
	"CREATE UNLOGGED TABLE", "CREATE TABLE",
)

// sqliteMigrations returns the migrations of fsys rewritten for SQLite, in
// an in-memory file system (a MapFS: what goose reads through fs.FS).
func sqliteMigrations(fsys fs.FS) (fs.FS, error) {
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		out[path] = &fstest.MapFile{Data: []byte(sqliteRewrites.Replace(string(b)))}
		return nil
	})
	return out, err
}
