-- +goose Up
-- The audit log (R28): who changed what in the account, and when. The
-- actor's name is kept as it was; their row may go.
CREATE TABLE audit_entries (
    id         bigserial PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    agent_id   bigint      REFERENCES agents (id) ON DELETE SET NULL,
    actor_name text        NOT NULL,
    action     text        NOT NULL,
    input      text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_entries_account ON audit_entries (account_id, id DESC);

-- +goose Down
DROP TABLE audit_entries;
