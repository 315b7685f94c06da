-- +goose Up
-- A widget reply nobody reads is not lost (R33): per widget, the minutes
-- after which a widget reply still unread is also sent to the end user's
-- most recently used linked channel whose window is open; 0: off.
ALTER TABLE widgets ADD COLUMN unread_fallback_minutes integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE widgets DROP COLUMN unread_fallback_minutes;
