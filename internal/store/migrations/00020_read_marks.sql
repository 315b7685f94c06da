-- +goose Up
-- Read marks on the platforms (R31): whether agents reading a conversation
-- mark the end user's social messages read there (WhatsApp's blue ticks,
-- Messenger's seen). Off by default: customers read blue ticks as a
-- promise of an answer.
ALTER TABLE accounts ADD COLUMN read_marks boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE accounts DROP COLUMN read_marks;
