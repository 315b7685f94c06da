-- +goose Up
-- The abuse limits' token buckets, shared by every instance on the database
-- (R36). A row is one caller's bucket for one action: tat is when it would
-- be full again (GCRA's theoretical arrival time), every_us and burst its
-- shape when last charged. A row whose tat has passed says nothing an
-- absent row would not, and is pruned. Unlogged: limits need no crash
-- safety, and sends charge them on the hot path. No index beside the key,
-- so that charging a bucket is an in-page (HOT) update.
CREATE UNLOGGED TABLE rate_limits (
    key      text        PRIMARY KEY,
    tat      timestamptz NOT NULL,
    every_us bigint      NOT NULL,
    burst    integer     NOT NULL
);

-- +goose Down
DROP TABLE rate_limits;
