-- +goose Up
-- Every attempt to send an outbound message and what the platform answered
-- (R34). A run of a delivery job that finds an earlier attempt with a
-- platform id knows the message went out although its state was never
-- recorded; one that finds an attempt with no outcome knows a process died
-- mid-send, and that this send may reach the phone twice. A message with two
-- platform ids was sent twice.
CREATE TABLE message_sends (
    id          bigserial PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id  bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    external_id text        NOT NULL DEFAULT '',
    error       text        NOT NULL DEFAULT ''
);
CREATE INDEX message_sends_message ON message_sends (message_id);

-- The replies still waiting to go out, in the order of their conversation,
-- which each delivery job looks at before sending (R34).
CREATE INDEX messages_queued ON messages (conversation_id, channel, seq) WHERE delivery_state = 'QUEUED';

-- +goose Down
DROP INDEX messages_queued;
DROP TABLE message_sends;
