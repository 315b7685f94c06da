package delivery

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite"
)

// runs is a stand-in for the delivery worker: it tells each run's start,
// and each run waits to be let go, then snoozes as a held reply does.
type runs struct {
	river.WorkerDefaults[Args]
	started chan struct{}
	letGo   chan struct{}
}

func (r runs) Work(ctx context.Context, _ *river.Job[Args]) error {
	r.started <- struct{}{}
	select {
	case <-r.letGo:
	case <-ctx.Done():
		return ctx.Err()
	}
	return river.JobSnooze(heldReplyWait)
}

// R33, R34: a wake that comes while the message's job runs is not lost.
// The run may have read the message before the change the wake is for (a
// held reply released as its job looked), and snooze for ten minutes; the
// job must run again as soon as that run ends.
func TestWakeWhileTheJobRuns(t *testing.T) {
	ctx := t.Context()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "jobs.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}

	w := runs{started: make(chan struct{}), letGo: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		Logger:            slog.New(slog.DiscardHandler),
		FetchPollInterval: 50 * time.Millisecond,
		FetchCooldown:     50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs := NewJobs(client)
	river.AddWorker(workers, jobs)
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stop)
	})

	if _, err := client.Insert(ctx, Args{AccountID: 1, MessageID: 7, Held: true}, nil); err != nil {
		t.Fatal(err)
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-w.started:
		case <-time.After(10 * time.Second):
			t.Fatalf("the job did not run %s", what)
		}
	}
	wait("at first")
	if err := jobs.Wake(ctx, 7); err != nil {
		t.Fatal(err)
	}
	w.letGo <- struct{}{}
	wait("again after a wake that came while it ran")
	w.letGo <- struct{}{}

	// A wake of a message whose job is not running needs no job of its own.
	if err := jobs.Wake(ctx, 8); err != nil {
		t.Fatal(err)
	}
	res, err := client.JobList(ctx, river.NewJobListParams().Kinds(WakeArgs{}.Kind()).First(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != 1 {
		t.Errorf("%d wake jobs, want the one for the running job", len(res.Jobs))
	}
}
