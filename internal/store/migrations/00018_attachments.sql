-- +goose Up
-- Attachments (R30): files uploaded into a conversation, their content kept
-- by SHA-256 in the files bucket (so two rows may share one file). The
-- content type is the one sniffed from the bytes.
CREATE TABLE attachments (
    id              bigserial PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sha256          text        NOT NULL,
    size            bigint      NOT NULL,
    content_type    text        NOT NULL,
    name            text        NOT NULL,
    width           integer     NOT NULL DEFAULT 0,
    height          integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL
);
CREATE INDEX attachments_conversation ON attachments (conversation_id);

-- +goose Down
DROP TABLE attachments;
