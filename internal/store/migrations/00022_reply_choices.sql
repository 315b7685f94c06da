-- +goose Up
-- Reply buttons (R32): the choices an agent offered with a message (JSON,
-- '' for none) and the form its channel shows them in, chosen before it
-- was queued; on an end user's message, the id of the choice it answers.
ALTER TABLE messages ADD COLUMN choices text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN choice_form text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN choice_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN choice_id;
ALTER TABLE messages DROP COLUMN choice_form;
ALTER TABLE messages DROP COLUMN choices;
