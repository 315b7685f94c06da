package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/auth"
)

// RateBuckets keeps the abuse limits' token buckets in PostgreSQL, so that
// every instance on the database charges the same ones (R36). Each bucket
// is a row holding its theoretical arrival time (GCRA): charging an event
// moves it one interval later, and the bucket has room while it stays
// within burst intervals of now. Times are the database's clock, so that
// instances whose clocks differ still agree.
type RateBuckets struct{ sql *sql.DB }

var _ auth.SharedBuckets = (*RateBuckets)(nil)

// NewRateBuckets returns the buckets of db, which must be PostgreSQL: on
// SQLite there is one process, and its own buckets are the limit.
func NewRateBuckets(db *DB) *RateBuckets {
	sqlDB, _ := db.gorm.DB() // fails only on a gorm without a *sql.DB
	return &RateBuckets{sql: sqlDB}
}

// take charges each bucket that has room, in one statement: a bucket
// without room is locked and left as it is, and only the charged ones come
// back. The texts are fixed, so the driver prepares them once per
// connection.
const take = `INSERT INTO rate_limits AS r (key, tat, every_us, burst)
SELECT key, now() + every_us * interval '1 microsecond', every_us, burst
FROM unnest($1::text[], $2::bigint[], $3::integer[]) AS b (key, every_us, burst)
ON CONFLICT (key) DO UPDATE
SET tat = greatest(r.tat, now()) + excluded.every_us * interval '1 microsecond', every_us = excluded.every_us, burst = excluded.burst
WHERE greatest(r.tat, now()) + excluded.every_us * interval '1 microsecond' <= now() + excluded.every_us * excluded.burst * interval '1 microsecond'
RETURNING r.key`

// refund gives back what take charged the buckets $1, and says how long the
// buckets $2, which had no room, wait for it (in microseconds).
const refund = `WITH refund AS (
	UPDATE rate_limits SET tat = tat - every_us * interval '1 microsecond' WHERE key = ANY($1)
)
SELECT coalesce(max(extract(epoch FROM greatest(r.tat, now()) - now()) * 1000000 + b.every_us - b.every_us * b.burst), 0)::bigint
FROM unnest($2::text[], $3::bigint[], $4::integer[]) AS b (key, every_us, burst) JOIN rate_limits r USING (key)`

// Take charges one event to each bucket if all have room. Buckets are
// charged in key order, so that two calls never wait on each other's row
// locks in opposite orders. A refusal takes a second statement, which
// returns what the first charged: between the two a concurrent call may
// find a bucket one event fuller than it is, erring toward refusal by one.
func (rb *RateBuckets) Take(ctx context.Context, buckets []auth.Bucket) (time.Duration, error) {
	buckets = slices.SortedFunc(slices.Values(buckets), func(a, b auth.Bucket) int { return strings.Compare(a.Key, b.Key) })
	keys, every, burst := bucketColumns(buckets)
	rows, err := rb.sql.QueryContext(ctx, take, keys, every, burst)
	charged, err := collect(rows, err, func(rows *sql.Rows) (string, error) {
		var k string
		return k, rows.Scan(&k)
	})
	if err != nil || len(charged) == len(buckets) {
		return 0, err
	}
	full := slices.DeleteFunc(slices.Clone(buckets), func(b auth.Bucket) bool { return slices.Contains(charged, b.Key) })
	keys, every, burst = bucketColumns(full)
	var waitUS int64
	if err := rb.sql.QueryRowContext(ctx, refund, charged, keys, every, burst).Scan(&waitUS); err != nil {
		return 0, err
	}
	// A bucket refilled or pruned since the first statement has room now,
	// but this call was refused: the shortest wait.
	return max(time.Duration(waitUS)*time.Microsecond, time.Microsecond), nil
}

// bucketColumns spreads buckets into the statements' arrays.
func bucketColumns(buckets []auth.Bucket) (keys []string, everyUS []int64, burst []int32) {
	for _, b := range buckets {
		keys = append(keys, b.Key)
		// A microsecond at least: a zero interval would admit anything.
		everyUS = append(everyUS, max(b.Every.Microseconds(), 1))
		burst = append(burst, int32(max(b.Burst, 1)))
	}
	return keys, everyUS, burst
}

// Prune deletes the buckets that are full again: a missing row is a full
// bucket. Run it periodically, so that the table holds only callers seen
// lately.
func (rb *RateBuckets) Prune(ctx context.Context) (int64, error) {
	res, err := rb.sql.ExecContext(ctx, "DELETE FROM rate_limits WHERE tat < now()")
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
