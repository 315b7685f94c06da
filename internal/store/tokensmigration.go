package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/pressly/goose/v3"
)

// tokensMigration moves agents' API tokens from a column of the agent to a
// table of their own, so that an agent holds several, each named, expiring
// and revocable (R28); agents gain a deactivation time and widgets a
// deletion time. It is a Go migration because SQLite cannot drop a UNIQUE
// column: there the agents table is rebuilt. Everything else is written
// once, in PostgreSQL's SQL, and rewritten as the SQL migrations are.
func (db *DB) tokensMigration() *goose.Migration {
	return goose.NewGoMigration(12, &goose.GoFunc{RunTx: db.tokensUp}, &goose.GoFunc{RunTx: db.tokensDown})
}

// agentTokensTable is created referencing the agents table by the name it
// has at that moment.
const agentTokensTable = `CREATE TABLE agent_tokens (
    id           bigserial PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agent_id     bigint      NOT NULL REFERENCES %s (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    -- Updated at most every few minutes: a token is used on every request.
    last_used_at timestamptz,
    -- NULL: it does not expire.
    expires_at   timestamptz,
    -- Revoked tokens are kept, so a revoked secret never authenticates
    -- again and the list can say when.
    revoked_at   timestamptz
);
CREATE INDEX agent_tokens_agent ON agent_tokens (account_id, agent_id);
INSERT INTO agent_tokens (account_id, agent_id, name, token_hash, created_at)
    SELECT account_id, id, 'first token', token_hash, created_at FROM agents;
ALTER TABLE widgets ADD COLUMN deleted_at timestamptz;`

func (db *DB) tokensUp(ctx context.Context, tx *sql.Tx) error {
	if db.postgres {
		return execAll(ctx, tx,
			strings.Replace(agentTokensTable, "%s", "agents", 1),
			`ALTER TABLE agents DROP COLUMN token_hash;
ALTER TABLE agents ADD COLUMN deactivated_at timestamptz;`)
	}
	// SQLite renames the references of agent_tokens with the table.
	return execAll(ctx, tx,
		`CREATE TABLE agents_next (
    id             integer PRIMARY KEY AUTOINCREMENT,
    account_id     bigint   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           text     NOT NULL,
    email          text     NOT NULL,
    role           text     NOT NULL CHECK (role IN ('ADMIN', 'AGENT')),
    created_at     datetime NOT NULL,
    deactivated_at datetime
);
INSERT INTO agents_next (id, account_id, name, email, role, created_at)
    SELECT id, account_id, name, email, role, created_at FROM agents;`,
		sqliteRewrites.Replace(strings.Replace(agentTokensTable, "%s", "agents_next", 1)),
		`DROP TABLE agents;
ALTER TABLE agents_next RENAME TO agents;
CREATE INDEX agents_account ON agents (account_id);`)
}

// tokensDown keeps each agent's newest live token; the others are lost.
func (db *DB) tokensDown(ctx context.Context, tx *sql.Tx) error {
	if db.postgres {
		return execAll(ctx, tx, `ALTER TABLE agents ADD COLUMN token_hash bytea;
UPDATE agents SET token_hash = (SELECT t.token_hash FROM agent_tokens t WHERE t.agent_id = agents.id AND t.revoked_at IS NULL ORDER BY t.id DESC LIMIT 1);
UPDATE agents SET token_hash = sha256(id::text::bytea) WHERE token_hash IS NULL;
ALTER TABLE agents ALTER COLUMN token_hash SET NOT NULL;
ALTER TABLE agents ADD UNIQUE (token_hash);
ALTER TABLE agents DROP COLUMN deactivated_at;
DROP TABLE agent_tokens;
ALTER TABLE widgets DROP COLUMN deleted_at;`)
	}
	return execAll(ctx, tx, `CREATE TABLE agents_prev (
    id         integer PRIMARY KEY AUTOINCREMENT,
    account_id bigint   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text     NOT NULL,
    email      text     NOT NULL,
    role       text     NOT NULL CHECK (role IN ('ADMIN', 'AGENT')),
    token_hash blob     NOT NULL UNIQUE,
    created_at datetime NOT NULL
);
INSERT INTO agents_prev (id, account_id, name, email, role, token_hash, created_at)
    SELECT a.id, a.account_id, a.name, a.email, a.role,
        coalesce((SELECT t.token_hash FROM agent_tokens t WHERE t.agent_id = a.id AND t.revoked_at IS NULL ORDER BY t.id DESC LIMIT 1), randomblob(32)),
        a.created_at FROM agents a;
DROP TABLE agent_tokens;
DROP TABLE agents;
ALTER TABLE agents_prev RENAME TO agents;
CREATE INDEX agents_account ON agents (account_id);
ALTER TABLE widgets DROP COLUMN deleted_at;`)
}

// execAll runs scripts statement by statement (each statement ends a
// line with ";"), as goose runs SQL files: not every driver takes several
// statements in one call.
func execAll(ctx context.Context, tx *sql.Tx, scripts ...string) error {
	for _, script := range scripts {
		for stmt := range strings.SplitSeq(script, ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	return nil
}
