-- +goose Up
-- Every link a widget conversation has had with a social identity, active
-- (ended_at NULL) or ended, and who ended it (R6, R8, R12, R26). The
-- identity row says where its messages land now; this says what was.
CREATE TABLE links (
    id              bigserial PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id bigint      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    identity_id     bigint      NOT NULL REFERENCES social_identities (id) ON DELETE CASCADE,
    channel         text        NOT NULL,
    linked_at       timestamptz NOT NULL,
    ended_at        timestamptz,
    ended_by        text        NOT NULL DEFAULT '',
    end_reason      text        NOT NULL DEFAULT ''
);
CREATE INDEX links_conversation ON links (conversation_id, channel);
INSERT INTO links (account_id, conversation_id, identity_id, channel, linked_at)
    SELECT account_id, conversation_id, id, channel, linked_at
    FROM social_identities WHERE linked_at IS NOT NULL AND conversation_id IS NOT NULL;

-- SYSTEM messages carry what they record as data (R27): a kind and its
-- parameters as a JSON object.
ALTER TABLE messages ADD COLUMN note_kind text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN note text NOT NULL DEFAULT '';

-- A pending request's deep link, so that the session that asked can show
-- it again after a reload; cleared once the request is no longer pending.
ALTER TABLE link_requests ADD COLUMN deep_link text NOT NULL DEFAULT '';

-- The language of what is sent on channels (R27): the widget's, and the
-- conversation's override ('' follows the widget).
ALTER TABLE widgets ADD COLUMN language text NOT NULL DEFAULT 'en';
ALTER TABLE conversations ADD COLUMN language text NOT NULL DEFAULT '';

-- Profiles from the platforms' user-profile APIs (R27): read once, then
-- refreshed rarely.
ALTER TABLE social_identities ADD COLUMN picture_url text NOT NULL DEFAULT '';
ALTER TABLE social_identities ADD COLUMN profile_at timestamptz;

-- +goose Down
ALTER TABLE social_identities DROP COLUMN profile_at;
ALTER TABLE social_identities DROP COLUMN picture_url;
ALTER TABLE conversations DROP COLUMN language;
ALTER TABLE widgets DROP COLUMN language;
ALTER TABLE link_requests DROP COLUMN deep_link;
ALTER TABLE messages DROP COLUMN note;
ALTER TABLE messages DROP COLUMN note_kind;
DROP TABLE links;
