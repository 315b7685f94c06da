-- +goose Up
-- The social channels customers may switch to from this widget (R2), as a
-- JSON array of channel names.
ALTER TABLE widgets ADD COLUMN social_channels text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE widgets DROP COLUMN social_channels;
