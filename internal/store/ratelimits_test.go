package store_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/store/storetest"
)

// R36: the shared buckets' arithmetic on PostgreSQL: a bucket admits its
// burst, then refuses saying when one event will fit; a call that finds any
// of its buckets full charges none; concurrent calls never admit more than
// the burst; full buckets are pruned and the rest kept.
func TestRateBuckets(t *testing.T) {
	t.Parallel()
	db, err := store.Open(t.Context(), store.Config{URL: storetest.PostgresURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	rb := store.NewRateBuckets(db)
	take := func(buckets ...auth.Bucket) time.Duration {
		t.Helper()
		wait, err := rb.Take(t.Context(), buckets)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	// The database's clock runs while the test does: waits are checked to
	// the second, on intervals of minutes.
	near := func(got, want time.Duration) bool { return got <= want && got > want-time.Second }

	spent := auth.Bucket{Key: "send/sess/1", Every: 20 * time.Minute, Burst: 3}
	for i := range 3 {
		if wait := take(spent); wait != 0 {
			t.Fatalf("event %d of a burst of 3 refused for %s", i+1, wait)
		}
	}
	if wait := take(spent); !near(wait, 20*time.Minute) {
		t.Errorf("a spent bucket: wait %s, want 20m", wait)
	}

	// The refused call charged neither bucket: the fresh one, of a single
	// event, still has it, and the spent one waits no longer than before.
	fresh := auth.Bucket{Key: "send/addr/203.0.113.1", Every: time.Hour, Burst: 1}
	if wait := take(fresh, spent); !near(wait, 20*time.Minute) {
		t.Errorf("one bucket of two spent: wait %s, want 20m", wait)
	}
	if wait := take(spent); !near(wait, 20*time.Minute) {
		t.Errorf("the refused call charged the spent bucket: wait %s", wait)
	}
	if wait := take(fresh); wait != 0 {
		t.Errorf("the refused call charged the other bucket: wait %s", wait)
	}
	if wait := take(fresh); !near(wait, time.Hour) {
		t.Errorf("a bucket of one event: wait %s, want 1h", wait)
	}

	// Many instances at once: exactly the burst gets through.
	contended := auth.Bucket{Key: "start/addr/198.51.100.1", Every: time.Hour, Burst: 5}
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for range 40 {
		wg.Go(func() {
			wait, err := rb.Take(t.Context(), []auth.Bucket{contended, {Key: "start/sess/2", Every: time.Hour, Burst: 100}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if wait == 0 {
				admitted++
			}
		})
	}
	wg.Wait()
	if admitted != 5 {
		t.Errorf("40 concurrent calls on a burst of 5: %d admitted", admitted)
	}

	// A microsecond's bucket is full again by the next statement.
	quick := auth.Bucket{Key: "widget/addr/192.0.2.1", Every: time.Microsecond, Burst: 1}
	for i := range 2 {
		if wait := take(quick); wait != 0 {
			t.Fatalf("a bucket refilling every microsecond, call %d: wait %s", i+1, wait)
		}
	}
	n, err := rb.Prune(t.Context())
	if err != nil || n != 1 {
		t.Errorf("pruned %d rows (%v), want the quick bucket's", n, err)
	}
	if wait := take(spent); !near(wait, 20*time.Minute) {
		t.Errorf("pruning refilled a spent bucket: wait %s", wait)
	}
}

// BenchmarkRateBuckets is what the shared limits add to an end user's send
// on PostgreSQL: one statement charging a session's and an address's
// buckets, from many sessions at once behind a few addresses. "ping", a bare
// round trip, is the scale to read it against on a machine of its own.
func BenchmarkRateBuckets(b *testing.B) {
	db, err := store.Open(b.Context(), store.Config{URL: storetest.PostgresURL(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	rb := store.NewRateBuckets(db)
	b.Run("ping", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := db.Ping(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	var sessions atomic.Int64
	b.Run("take", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			session := sessions.Add(1)
			buckets := []auth.Bucket{
				{Key: fmt.Sprint("send/addr/10.0.0.", session%4), Every: time.Microsecond, Burst: 1_000_000},
				{Key: fmt.Sprint("send/sess/", session), Every: time.Microsecond, Burst: 1_000_000},
			}
			for pb.Next() {
				if wait, err := rb.Take(b.Context(), buckets); err != nil || wait != 0 {
					b.Fatal(wait, err)
				}
			}
		})
	})
}
