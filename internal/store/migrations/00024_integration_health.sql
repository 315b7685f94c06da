-- +goose Up
-- When a signed webhook last arrived for an integration, for its health
-- (R38). Written at most once a minute per integration, so that a busy
-- webhook path does not rewrite the row on every request.
ALTER TABLE integrations ADD COLUMN last_webhook_at timestamptz;

-- An integration's recent send attempts, for its failure ratio, and its
-- latest successful send: the attempts of an account by time, newest
-- first, joined to their messages' identities.
CREATE INDEX message_sends_started ON message_sends (account_id, started_at);

-- +goose Down
DROP INDEX message_sends_started;
ALTER TABLE integrations DROP COLUMN last_webhook_at;
