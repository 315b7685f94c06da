-- +goose Up
-- Attachments (R30): the files a message carries, in order, as JSON ('' for
-- none): each names its stored file (attachments.id), or is still being
-- fetched from a social platform. A message's files are written with it,
-- in the same row, so they cost the write path nothing more.
ALTER TABLE messages ADD COLUMN attachments text NOT NULL DEFAULT '';
-- A place an end user shared on a social channel, as JSON ('' for none).
ALTER TABLE messages ADD COLUMN location text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN location;
ALTER TABLE messages DROP COLUMN attachments;
