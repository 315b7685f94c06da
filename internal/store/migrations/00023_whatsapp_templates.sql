-- +goose Up
-- WhatsApp message templates (R33), as last synced from the Cloud API:
-- one row per template and language of an integration.
CREATE TABLE whatsapp_templates (
    id             bigserial PRIMARY KEY,
    account_id     bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    integration_id bigint      NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    name           text        NOT NULL,
    language       text        NOT NULL,
    status         text        NOT NULL,
    category       text        NOT NULL,
    header         text        NOT NULL DEFAULT '',
    body           text        NOT NULL DEFAULT '',
    footer         text        NOT NULL DEFAULT '',
    parameters     integer     NOT NULL DEFAULT 0,
    synced_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX whatsapp_templates_name ON whatsapp_templates (integration_id, name, language);
-- The template an agent's message sends, as JSON ('' for none).
ALTER TABLE messages ADD COLUMN template text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN template;
DROP TABLE whatsapp_templates;
