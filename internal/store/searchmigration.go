package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// searchMigration indexes message text for agents' search (R29). The two
// databases index text differently: PostgreSQL with a GIN index over the
// text's tsvector (the 'simple' configuration: conversations mix languages,
// so words are not stemmed), SQLite with an FTS5 table that triggers keep
// in step with messages. Hence a Go migration, one script per database.
func (db *DB) searchMigration() *goose.Migration {
	return goose.NewGoMigration(14, &goose.GoFunc{RunTx: db.searchUp}, &goose.GoFunc{RunTx: db.searchDown})
}

func (db *DB) searchUp(ctx context.Context, tx *sql.Tx) error {
	if db.postgres {
		return execAll(ctx, tx, `CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', text));`)
	}
	// Trigger bodies stay on one line: execAll splits statements at line ends.
	return execAll(ctx, tx, `CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content = 'messages', content_rowid = 'id');
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text); INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;`)
}

func (db *DB) searchDown(ctx context.Context, tx *sql.Tx) error {
	if db.postgres {
		return execAll(ctx, tx, `DROP INDEX messages_search;`)
	}
	return execAll(ctx, tx, `DROP TRIGGER messages_fts_update;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_insert;
DROP TABLE messages_fts;`)
}
