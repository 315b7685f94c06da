-- +goose Up
CREATE TABLE accounts (
    id              bigserial PRIMARY KEY,
    name            text        NOT NULL,
    plan            text        NOT NULL,
    agent_workspace boolean     NOT NULL DEFAULT false,
    -- event_seq numbers the account's events densely; it is bumped under
    -- this row's lock, so events become visible in order.
    event_seq       bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL
);

CREATE TABLE agents (
    id         bigserial PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    email      text        NOT NULL,
    role       text        NOT NULL CHECK (role IN ('ADMIN', 'AGENT')),
    token_hash bytea       NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);
CREATE INDEX agents_account ON agents (account_id);

CREATE TABLE widgets (
    id              bigserial PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    public_key      text        NOT NULL UNIQUE,
    name            text        NOT NULL,
    allowed_origins text        NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL
);
CREATE INDEX widgets_account ON widgets (account_id);

CREATE TABLE end_users (
    id          bigserial PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- NULL for end users who first wrote on a social channel.
    widget_id   bigint      REFERENCES widgets (id) ON DELETE CASCADE,
    name        text        NOT NULL DEFAULT '',
    email       text        NOT NULL DEFAULT '',
    external_id text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE INDEX end_users_account ON end_users (account_id);

CREATE TABLE widget_sessions (
    id          bigserial PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    widget_id   bigint      NOT NULL REFERENCES widgets (id) ON DELETE CASCADE,
    end_user_id bigint      NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    token_hash  bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE TABLE conversations (
    id              bigserial PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- NULL for conversations opened on a social channel.
    widget_id       bigint      REFERENCES widgets (id) ON DELETE CASCADE,
    end_user_id     bigint      NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
    status          text        NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    last_channel    text        NOT NULL,
    -- last_seq numbers the conversation's events densely.
    last_seq        bigint      NOT NULL DEFAULT 0,
    -- activity_seq is the account position of the newest event: the
    -- agents' list is ordered by it and pages on it.
    activity_seq    bigint      NOT NULL DEFAULT 0,
    last_message_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX conversations_activity ON conversations (account_id, activity_seq DESC);
CREATE INDEX conversations_end_user ON conversations (account_id, end_user_id, activity_seq DESC);

CREATE TABLE messages (
    id                bigserial PRIMARY KEY,
    account_id        bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id   bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               bigint      NOT NULL,
    channel           text        NOT NULL,
    author_role       text        NOT NULL,
    author_id         bigint      NOT NULL DEFAULT 0,
    author_name       text        NOT NULL DEFAULT '',
    text              text        NOT NULL,
    client_message_id text        NOT NULL,
    created_at        timestamptz NOT NULL,
    UNIQUE (conversation_id, seq),
    -- One message per author and client message id (R18).
    UNIQUE (conversation_id, author_role, author_id, client_message_id)
);

CREATE TABLE events (
    id               bigserial PRIMARY KEY,
    account_id       bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_seq      bigint      NOT NULL,
    conversation_id  bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    conversation_seq bigint      NOT NULL,
    kind             text        NOT NULL,
    message_id       bigint REFERENCES messages (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL,
    UNIQUE (account_id, account_seq),
    UNIQUE (conversation_id, conversation_seq)
);
CREATE INDEX events_created ON events (created_at);

-- +goose Down
DROP TABLE events;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE widget_sessions;
DROP TABLE end_users;
DROP TABLE widgets;
DROP TABLE agents;
DROP TABLE accounts;
