-- +goose Up
-- An end user's request to continue a widget conversation on a social
-- channel (R5, R6). The token is shown once, in the deep link; only its
-- hash is kept.
CREATE TABLE link_requests (
    id              bigserial PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel         text        NOT NULL,
    integration_id  bigint      REFERENCES integrations (id) ON DELETE SET NULL,
    token_hash      bytea       NOT NULL UNIQUE,
    status          text        NOT NULL,
    -- Who presented the token on the channel, awaiting their confirmation.
    redeemer_id     text        NOT NULL DEFAULT '',
    redeemer_name   text        NOT NULL DEFAULT '',
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX link_requests_conversation ON link_requests (conversation_id);

-- An identity whose messages land in a widget conversation is linked to
-- it since linked_at; NULL for a standalone identity.
ALTER TABLE social_identities ADD COLUMN linked_at timestamptz;

-- +goose Down
ALTER TABLE social_identities DROP COLUMN linked_at;
DROP TABLE link_requests;
