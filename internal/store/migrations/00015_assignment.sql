-- +goose Up
-- A conversation's assignee (R29): NULL while nobody is. A deleted agent
-- leaves their conversations unassigned; a deactivated one keeps them
-- until an admin reassigns.
ALTER TABLE conversations ADD COLUMN assignee_id bigint REFERENCES agents (id) ON DELETE SET NULL;
CREATE INDEX conversations_assignee ON conversations (account_id, assignee_id, activity_seq DESC);

-- +goose Down
DROP INDEX conversations_assignee;
ALTER TABLE conversations DROP COLUMN assignee_id;
