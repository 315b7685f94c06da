package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
)

// sharedBuckets is the database's buckets in these tests: token counts
// that never refill (the rates are per hour), charged all or nothing.
type sharedBuckets struct {
	mu    sync.Mutex
	spent map[string]int
	// calls counts round trips; err, when set, is what they fail with.
	calls int
	err   error
	// asked is the last call's buckets.
	asked []Bucket
}

func (s *sharedBuckets) Take(_ context.Context, buckets []Bucket) (time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.asked = buckets
	if s.err != nil {
		return 0, s.err
	}
	for _, b := range buckets {
		if s.spent[b.Key] >= b.Burst {
			return b.Every, nil
		}
	}
	for _, b := range buckets {
		s.spent[b.Key]++
	}
	return 0, nil
}

// R36, R24: two instances sharing their buckets admit a client's burst
// once between them, not once each; each instance's own buckets refuse a
// flood without a round trip, and a refusal costs nothing anywhere.
func TestLimiterSharedAcrossInstances(t *testing.T) {
	cfg := LimitsConfig{
		SendPerSession: Rate{Events: 2, Per: time.Hour, Burst: 3},
		SendPerAddr:    Rate{Events: 1, Per: time.Hour, Burst: 4},
	}
	shared := &sharedBuckets{spent: map[string]int{}}
	a, b := NewLimiter(cfg, shared), NewLimiter(cfg, shared)
	user := &Actor{Session: &Session{ID: 7}, ClientAddr: "203.0.113.9"}
	ctx := t.Context()

	allowed := 0
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		err := l.Allow(ctx, user, ActionSend)
		switch e, _ := apperr.As(err); {
		case err == nil:
			allowed++
		case e == nil || e.Code != apperr.RateLimited:
			t.Fatalf("send %d: %v", i, err)
		case e.RetryAfter != 30*time.Minute:
			// One event of 2 an hour: the session's bucket refills in 30 minutes.
			t.Errorf("send %d: retry after %s, want 30m", i, e.RetryAfter)
		}
	}
	if allowed != 3 {
		t.Errorf("two instances allowed %d sends, want the session's burst of 3", allowed)
	}
	want := []Bucket{
		{Key: "send/addr/203.0.113.9", Every: time.Hour, Burst: 4},
		{Key: "send/sess/7", Every: 30 * time.Minute, Burst: 3},
	}
	if len(shared.asked) != 2 || shared.asked[0] != want[0] || shared.asked[1] != want[1] {
		t.Errorf("buckets asked for: %+v, want %+v", shared.asked, want)
	}
	// The refused sends did not spend the address's fourth token.
	if err := a.Allow(ctx, &Actor{Session: &Session{ID: 8}, ClientAddr: "203.0.113.9"}, ActionSend); err != nil {
		t.Errorf("another session at the address: %v", err)
	}

	// A client that spent its burst on one instance is refused there by
	// that instance's own buckets: a flood costs the database nothing.
	flooder := &Actor{Session: &Session{ID: 9}, ClientAddr: "198.51.100.7"}
	for range 3 {
		if err := a.Allow(ctx, flooder, ActionSend); err != nil {
			t.Fatal(err)
		}
	}
	calls := shared.calls
	for range 5 {
		if err := a.Allow(ctx, flooder, ActionSend); apperr.CodeOf(err) != apperr.RateLimited {
			t.Fatalf("flood: %v", err)
		}
	}
	if got := shared.calls - calls; got != 0 {
		t.Errorf("a flood on one instance asked the database %d times", got)
	}

	shared.calls = 0
	if err := a.Allow(ctx, &Actor{Agent: &account.Agent{}, ClientAddr: "203.0.113.9"}, ActionSend); err != nil || shared.calls != 0 {
		t.Errorf("an agent was counted: %v, %d calls", err, shared.calls)
	}
	if err := NewLimiter(LimitsConfig{}, shared).Allow(ctx, user, ActionSend); err != nil || shared.calls != 0 {
		t.Errorf("no limits configured, yet: %v, %d calls", err, shared.calls)
	}
}

// R24: when the shared buckets cannot be read, the action fails (the
// caller may retry) and nothing is charged in process.
func TestLimiterSharedFailure(t *testing.T) {
	shared := &sharedBuckets{spent: map[string]int{}, err: errors.New("connection refused")}
	l := NewLimiter(LimitsConfig{StartPerAddr: Rate{Events: 1, Per: time.Hour, Burst: 1}}, shared)
	user := &Actor{ClientAddr: "198.51.100.1"}
	if err := l.Allow(t.Context(), user, ActionStart); !errors.Is(err, shared.err) {
		t.Fatalf("with the database down: %v", err)
	}
	shared.err = nil
	if err := l.Allow(t.Context(), user, ActionStart); err != nil {
		t.Errorf("the failed call spent the only token: %v", err)
	}
}
