-- +goose Up
-- The trace of the attempt that sent a message (a W3C traceparent; empty
-- when tracing was off), so that the status webhook reporting on that
-- message links its span to the reply's trace (R38). Status webhooks find
-- the attempt by the platform's id.
ALTER TABLE message_sends ADD COLUMN trace text NOT NULL DEFAULT '';
CREATE INDEX message_sends_external ON message_sends (account_id, external_id) WHERE external_id <> '';

-- +goose Down
DROP INDEX message_sends_external;
ALTER TABLE message_sends DROP COLUMN trace;
