package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// SQLite commits into its write-ahead log, and a checkpoint copies the log
// into the database file, syncing both files to disk. Left to itself, the
// connection that commits runs one whenever the log passes 1,000 pages, so
// that one write batch in a few dozen waited for the copy and two fsyncs.
// Here the committing connection never checkpoints on its own
// (wal_autocheckpoint 0). A connection of its own copies the log a few
// times a second, alongside the writes (PASSIVE: it takes no lock a writer
// waits for), and the log starts over at the first write after all of it
// has been copied. Writes that never pause for that long would grow the
// log without end: once it passes walPages, the committing connection
// copies the little the passes have left, between two batches (catchUp),
// and its next write starts the log over.
const (
	checkpointEvery = 250 * time.Millisecond
	walPages        = 4096 // 16 MiB of 4 KiB pages
)

type checkpointer struct {
	// db is the checkpoints' own connection, writer the committing one.
	db, writer *sql.DB
	log        *slog.Logger
	stop       chan struct{}
	done       chan struct{}
	// limit is walPages; long is set by a pass that found the log longer.
	limit int
	long  atomic.Bool
	// pages is the log's length at the last pass.
	pages atomic.Int64
}

// startCheckpoints opens a connection to the database at path, which
// writer commits to, and checkpoints its log every interval until close;
// with a negative interval, only when asked.
func startCheckpoints(ctx context.Context, path string, writer *sql.DB, interval time.Duration, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("store: checkpoints: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: checkpoints: %w", err)
	}
	c := &checkpointer{db: db, writer: writer, log: log, stop: make(chan struct{}), done: make(chan struct{}), limit: walPages}
	if interval < 0 {
		close(c.done)
		return c, nil
	}
	go c.run(interval)
	return c, nil
}

func (c *checkpointer) run(interval time.Duration) {
	defer close(c.done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	last := -1
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		// While the log moves, pass after pass: each copies what the
		// writes added during the last, and the sooner one finds
		// nothing left, the sooner the log starts over.
		for {
			select {
			case <-c.stop:
				return
			default:
			}
			pages, err := c.pass(context.Background())
			if err != nil {
				c.log.Warn("sqlite checkpoint failed", "err", err)
			}
			if err != nil || pages == last {
				break
			}
			last = pages
		}
	}
}

// pass copies the log into the database file and returns its length.
func (c *checkpointer) pass(ctx context.Context) (pages int, err error) {
	pages, _, err = walCheckpoint(ctx, c.db)
	if err == nil {
		c.pages.Store(int64(pages))
	}
	c.long.Store(err == nil && pages > c.limit)
	return pages, err
}

// catchUp runs on the committing connection, between two write
// transactions: when the log has grown long, it copies what the passes
// have not, unless a pass is running.
func (c *checkpointer) catchUp(ctx context.Context) error {
	if !c.long.Load() {
		return nil
	}
	_, busy, err := walCheckpoint(ctx, c.writer)
	if err == nil && !busy {
		c.long.Store(false)
	}
	return err
}

// walCheckpoint runs a PASSIVE checkpoint: busy says that another
// connection's was running.
func walCheckpoint(ctx context.Context, db *sql.DB) (pages int, busy bool, err error) {
	var running, copied int
	err = db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&running, &pages, &copied)
	return pages, running != 0, err
}

// close stops the checkpoints; the last connection to the database to
// close copies what remains.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
