-- +goose Up
-- One connected WhatsApp number, Facebook Page or Instagram account.
CREATE TABLE integrations (
    id            bigserial PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel       text        NOT NULL CHECK (channel IN ('WHATSAPP', 'MESSENGER', 'INSTAGRAM')),
    status        text        NOT NULL CHECK (status IN ('ACTIVE', 'DISABLED', 'FAILING')),
    sandbox       boolean     NOT NULL DEFAULT false,
    -- business_id is the phone number id, Page id or Instagram account id
    -- that webhooks name; handle is the display number, Page username or
    -- Instagram username of deep links.
    business_id   text        NOT NULL,
    handle        text        NOT NULL DEFAULT '',
    display_name  text        NOT NULL DEFAULT '',
    waba_id       text        NOT NULL DEFAULT '',
    -- Secrets: written through the API, never read back through it.
    access_token  text        NOT NULL,
    app_secret    text        NOT NULL,
    verify_token  text        NOT NULL,
    -- webhook_key names the integration in its webhook URL.
    webhook_key   text        NOT NULL UNIQUE,
    last_error    text        NOT NULL DEFAULT '',
    last_error_at timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (channel, business_id)
);
CREATE INDEX integrations_account ON integrations (account_id);

-- An end user's identity on a social channel (R16).
CREATE TABLE social_identities (
    id              bigserial PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel         text        NOT NULL,
    external_id     text        NOT NULL,
    display_name    text        NOT NULL DEFAULT '',
    end_user_id     bigint      NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    integration_id  bigint      REFERENCES integrations (id) ON DELETE SET NULL,
    -- The conversation this identity's messages land in.
    conversation_id bigint      REFERENCES conversations (id) ON DELETE SET NULL,
    -- The customer-service window runs from the last inbound message.
    last_inbound_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (account_id, channel, external_id)
);
CREATE INDEX social_identities_end_user ON social_identities (end_user_id);
CREATE INDEX social_identities_conversation ON social_identities (conversation_id);

-- Inbound: the platform's message id. Outbound: the id the platform gave
-- the send. Either way one id is one message (R18).
ALTER TABLE messages ADD COLUMN external_id text NOT NULL DEFAULT '';
-- Outbound messages to a social channel: how far delivery got (R17).
ALTER TABLE messages ADD COLUMN delivery_state text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN delivery_error text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN identity_id bigint REFERENCES social_identities (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX messages_external ON messages (channel, external_id) WHERE external_id <> '';
CREATE INDEX messages_identity ON messages (identity_id) WHERE identity_id IS NOT NULL;

-- Webhook bodies as received, kept until processed: a request is answered
-- 200 only once its body is here.
CREATE TABLE webhook_inbox (
    id             bigserial PRIMARY KEY,
    integration_id bigint      NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    body           bytea       NOT NULL,
    received_at    timestamptz NOT NULL,
    processed_at   timestamptz
);

-- Delivery reports about sends whose platform id is not known yet: a
-- status can overtake the recording of its send.
CREATE TABLE delivery_reports (
    id          bigserial PRIMARY KEY,
    channel     text        NOT NULL,
    external_id text        NOT NULL,
    state       text        NOT NULL,
    error       text        NOT NULL DEFAULT '',
    reported_at timestamptz NOT NULL
);
CREATE INDEX delivery_reports_external ON delivery_reports (channel, external_id);

-- +goose Down
DROP TABLE delivery_reports;
DROP TABLE webhook_inbox;
DROP INDEX messages_identity;
DROP INDEX messages_external;
ALTER TABLE messages DROP COLUMN identity_id;
ALTER TABLE messages DROP COLUMN delivery_error;
ALTER TABLE messages DROP COLUMN delivery_state;
ALTER TABLE messages DROP COLUMN external_id;
DROP TABLE social_identities;
DROP TABLE integrations;
