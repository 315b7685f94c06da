-- +goose Up
-- Integration credentials are sealed at rest (internal/secret): the row
-- names the key that sealed access_token, app_secret, verify_token and
-- previous_app_secret. Empty: still in clear, as every row written before
-- this migration; the pass at startup seals them (store.ResealSecrets).
ALTER TABLE integrations ADD COLUMN secrets_key_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE integrations DROP COLUMN secrets_key_id;
