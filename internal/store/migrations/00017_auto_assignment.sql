-- +goose Up
-- Round-robin auto-assignment (R29): each account's per-agent cap of open
-- conversations (0: off), whether an agent takes new conversations, and
-- when one was last given one, which sets the round's order.
ALTER TABLE accounts ADD COLUMN auto_assign_cap integer NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN available boolean NOT NULL DEFAULT false;
ALTER TABLE agents ADD COLUMN last_assigned_at timestamptz;

-- +goose Down
ALTER TABLE agents DROP COLUMN last_assigned_at;
ALTER TABLE agents DROP COLUMN available;
ALTER TABLE accounts DROP COLUMN auto_assign_cap;
