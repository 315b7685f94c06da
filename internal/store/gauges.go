package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/linkline/linkline/internal/integration"
)

// What operators watch, read when Prometheus scrapes (R38).

// Pool is the database/sql pool under gorm, for its statistics.
func (db *DB) Pool() *sql.DB {
	sqlDB, _ := db.gorm.DB()
	return sqlDB
}

// LogPages is the length of SQLite's write-ahead log at the last checkpoint
// pass; false on PostgreSQL. It stays low while the checkpoints keep up.
func (db *DB) LogPages() (int64, bool) {
	if db.checkpoints == nil {
		return 0, false
	}
	return db.checkpoints.pages.Load(), true
}

// Waiting is the unfinished jobs of one kind in one queue.
type Waiting struct {
	Queue, Kind string
	Jobs        int
	// OldestAge is how long ago the oldest of them was created.
	OldestAge time.Duration
}

// Waiting counts the jobs not yet finished, per queue and kind, with the
// age of the oldest: a reply waiting long is what an operator must see.
// The age is computed by the database, against its own clock.
func (db *DB) Waiting(ctx context.Context) ([]Waiting, error) {
	age := "EXTRACT(EPOCH FROM now() - min(created_at))"
	if !db.postgres {
		age = "(julianday('now') - julianday(min(created_at))) * 86400"
	}
	var rows []struct {
		Queue, Kind string
		Jobs        int
		Age         float64
	}
	err := db.gorm.WithContext(ctx).Raw(`SELECT queue, kind, count(*) AS jobs, ` + age + ` AS age FROM river_job
		WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled') GROUP BY queue, kind`).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]Waiting, len(rows))
	for i, r := range rows {
		out[i] = Waiting{Queue: r.Queue, Kind: r.Kind, Jobs: r.Jobs, OldestAge: time.Duration(r.Age * float64(time.Second))}
	}
	return out, nil
}

// IntegrationCount is the integrations of one channel in one status.
type IntegrationCount struct {
	Channel, Status string
	Count           int
	// Failing lists the ids of the FAILING ones.
	Failing []int64
}

// IntegrationCounts counts integrations by channel and status, across
// accounts, naming the failing ones: few, and each an operator's call.
func (db *DB) IntegrationCounts(ctx context.Context) ([]IntegrationCount, error) {
	var rows []struct {
		Channel, Status string
		Count           int
	}
	err := db.gorm.WithContext(ctx).Raw(`SELECT channel, status, count(*) AS count FROM integrations GROUP BY channel, status`).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	var failing []struct {
		ID      int64
		Channel string
	}
	err = db.gorm.WithContext(ctx).Raw(`SELECT id, channel FROM integrations WHERE status = ? ORDER BY id LIMIT 100`, string(integration.StatusFailing)).Scan(&failing).Error
	if err != nil {
		return nil, err
	}
	out := make([]IntegrationCount, len(rows))
	for i, r := range rows {
		out[i] = IntegrationCount{Channel: r.Channel, Status: r.Status, Count: r.Count}
		if r.Status == string(integration.StatusFailing) {
			for _, f := range failing {
				if f.Channel == r.Channel {
					out[i].Failing = append(out[i].Failing, f.ID)
				}
			}
		}
	}
	return out, nil
}
