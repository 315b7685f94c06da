-- +goose Up
-- The platform ids of the calls an attempt made before it failed, space
-- separated: a reply with a file is sent as the file, then its text, and
-- the retry of a failed text must not send the file again (R30, R34).
ALTER TABLE message_sends ADD COLUMN parts text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE message_sends DROP COLUMN parts;
