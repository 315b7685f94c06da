-- +goose Up
-- While an app secret is rotated, webhooks signed with the previous one are
-- still accepted until previous_app_secret_until (R19): Meta signs with
-- whichever secret its side has, and the two sides never switch at the
-- same instant.
ALTER TABLE integrations ADD COLUMN previous_app_secret text NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN previous_app_secret_until timestamptz;

-- +goose Down
ALTER TABLE integrations DROP COLUMN previous_app_secret_until;
ALTER TABLE integrations DROP COLUMN previous_app_secret;
