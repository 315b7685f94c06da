package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
	"github.com/linkline/linkline/internal/store"
	"github.com/linkline/linkline/internal/store/storetest"
	"github.com/linkline/linkline/internal/widget"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// eachStore runs one conformance suite on every database the service
// supports.
func eachStore(t *testing.T, test func(t *testing.T, cfg store.Config)) {
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, store.Config{URL: storetest.PostgresURL(t)})
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "db.sqlite")})
	})
}

type fixture struct {
	db       *store.DB
	appender *store.Appender
	clock    *clock
	acct     *account.Account
	widget   *widget.Widget
	mu       sync.Mutex
	events   []*feed.Event
	// batches are the sizes of the committed batches, in order.
	batches []int
}

// clock is the store's clock in these tests: each reading is a millisecond
// after the last, so that every batch has a time of its own, and times
// compare alike on both databases (PostgreSQL keeps microseconds).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func open(t *testing.T, cfg store.Config) *fixture {
	t.Helper()
	f := &fixture{clock: &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}}
	f.db, f.appender = f.instance(t, cfg)
	f.acct = &account.Account{Name: "A", Plan: account.PlanSuiteTeam, AgentWorkspace: true}
	if err := f.db.NewAccount(t.Context(), f.acct); err != nil {
		t.Fatal(err)
	}
	f.widget = &widget.Widget{AccountID: f.acct.ID, Key: fmt.Sprint("k", time.Now().UnixNano()), Name: "w"}
	if err := f.db.NewWidget(t.Context(), f.widget); err != nil {
		t.Fatal(err)
	}
	return f
}

// instance opens the database of cfg as one more instance of the service
// would, with a running appender of its own that publishes into f.
func (f *fixture) instance(t *testing.T, cfg store.Config) (*store.DB, *store.Appender) {
	t.Helper()
	cfg.Now = f.clock.Now
	db, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := store.NewAppender(db, func(evs []*feed.Event) {
		f.mu.Lock()
		f.events = append(f.events, evs...)
		f.mu.Unlock()
	}, func(context.Context, *sql.Tx, []*conversation.Message, []context.Context) error {
		return nil // no deliveries in these tests
	}, slog.New(slog.DiscardHandler), 256)
	a.Committed = func(writes int) {
		f.mu.Lock()
		f.batches = append(f.batches, writes)
		f.mu.Unlock()
	}
	go a.Run()
	t.Cleanup(func() {
		a.Close()
		_ = db.Close()
	})
	return db, a
}

func (f *fixture) startConversation(t *testing.T) *conversation.Conversation {
	t.Helper()
	res, err := f.appender.Write(t.Context(), conversation.Start{AccountID: f.acct.ID,
		EndUser: &conversation.EndUser{Name: "u"}, WidgetID: f.widget.ID, Channel: conversation.ChannelWebWidget,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Conversation
}

func message(c *conversation.Conversation, clientID string) conversation.Post {
	return conversation.Post{AccountID: c.AccountID, ConversationID: c.ID, Message: &conversation.Message{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: conversation.ChannelWebWidget,
		AuthorRole: conversation.AuthorEndUser, AuthorID: c.EndUserID, Text: "t " + clientID, ClientMessageID: clientID,
	}}
}

// R18, R21: concurrent writes share transactions, yet every event gets a
// dense position in its account and its conversation, and equal client
// message ids give one message, even within one batch.
func TestAppenderNumbersAndDeduplicates(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		c1, c2 := f.startConversation(t), f.startConversation(t)
		var wg sync.WaitGroup
		ids := make([]int64, 40)
		for i := range 40 {
			wg.Go(func() {
				c, clientID := c1, fmt.Sprint("m", i)
				if i%2 == 1 {
					c = c2
				}
				if i >= 30 {
					clientID = "dup" // ten writes of one message
				}
				res, err := f.appender.Write(context.Background(), message(c, clientID))
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = res.Message.ID
			})
		}
		wg.Wait()
		for i := 31; i < 40; i++ {
			if i%2 == 0 && ids[i] != ids[30] || i%2 == 1 && ids[i] != ids[31] {
				t.Errorf("duplicate sends made distinct messages: %v", ids[30:])
			}
		}
		evs, err := f.db.Events(t.Context(), feed.Scope{AccountID: f.acct.ID}, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		// 2 starts + 30 distinct + 2 duplicated messages.
		if len(evs) != 34 {
			t.Fatalf("%d events, want 34", len(evs))
		}
		perConv := map[int64]int64{}
		for i, e := range evs {
			if e.AccountSeq != int64(i+1) {
				t.Errorf("account position %d at index %d", e.AccountSeq, i)
			}
			perConv[e.ConversationID]++
			if e.ConversationSeq != perConv[e.ConversationID] {
				t.Errorf("conversation position %d, want %d", e.ConversationSeq, perConv[e.ConversationID])
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.events) != 34 {
			t.Errorf("%d events published, want 34", len(f.events))
		}
	})
}

// R21: instances sharing one PostgreSQL write the same conversations
// concurrently, each reading them as the other left them: every write
// commits, with dense positions in the account and in each conversation.
func TestInstancesShareConversations(t *testing.T) {
	cfg := store.Config{URL: storetest.PostgresURL(t)}
	f := open(t, cfg)
	_, second := f.instance(t, cfg)
	convs := []*conversation.Conversation{f.startConversation(t), f.startConversation(t)}
	var wg sync.WaitGroup
	for w, a := range []*store.Appender{f.appender, second} {
		for s := range 8 {
			wg.Go(func() {
				for i := range 25 {
					c := convs[(s+i)%2]
					if _, err := a.Write(context.Background(), message(c, fmt.Sprint(w, "/", s, "/", i))); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	evs, err := f.db.Events(t.Context(), feed.Scope{AccountID: f.acct.ID}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2+2*8*25 {
		t.Fatalf("%d events, want %d", len(evs), 2+2*8*25)
	}
	perConv := map[int64]int64{}
	for i, e := range evs {
		perConv[e.ConversationID]++
		if e.AccountSeq != int64(i+1) || e.ConversationSeq != perConv[e.ConversationID] {
			t.Fatalf("event %d at account position %d, conversation position %d (want %d)", i, e.AccountSeq, e.ConversationSeq, perConv[e.ConversationID])
		}
	}
	for _, c := range convs {
		if got := f.conversation(t, c.ID).LastSeq; got != perConv[c.ID] {
			t.Errorf("conversation %d stored at position %d, its events reach %d", c.ID, got, perConv[c.ID])
		}
	}
}

// One write that cannot be applied fails alone; the writes batched with it
// commit.
func TestAppenderIsolatesFailures(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		c := f.startConversation(t)
		bogus := *c
		bogus.ID = 999999
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range 20 {
			wg.Go(func() {
				target := c
				if i == 7 {
					target = &bogus
				}
				_, errs[i] = f.appender.Write(context.Background(), message(target, fmt.Sprint("m", i)))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if i == 7 && apperr.CodeOf(err) != apperr.NotFound || i != 7 && err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		}
		msgs, err := f.db.Messages(t.Context(), f.acct.ID, c.ID, conversation.Page{First: 100})
		if err != nil || len(msgs) != 19 {
			t.Errorf("%d messages, %v", len(msgs), err)
		}
	})
}

// R20: reads are scoped by account: another account's ids are unknown.
func TestReadsAreScopedByAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		c := f.startConversation(t)
		other := &account.Account{Name: "B", Plan: account.PlanSuiteTeam}
		if err := f.db.NewAccount(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Conversation(t.Context(), other.ID, c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("conversation: %v", err)
		}
		if _, err := f.db.EndUser(t.Context(), other.ID, c.EndUserID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("end user: %v", err)
		}
		if evs, err := f.db.Events(t.Context(), feed.Scope{AccountID: other.ID, ConversationID: c.ID}, 0, 10); err != nil || len(evs) != 0 {
			t.Errorf("events: %d %v", len(evs), err)
		}
	})
}

// R27, R20: a start keeps the end user's language tag; languages are set
// within the account only.
func TestLanguagesAreScopedByAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		ctx := t.Context()
		res, err := f.appender.Write(ctx, conversation.Start{AccountID: f.acct.ID,
			EndUser: &conversation.EndUser{Name: "u"}, WidgetID: f.widget.ID, Channel: conversation.ChannelWebWidget, Language: "el-GR",
		})
		if err != nil || res.Conversation.Language != "el-GR" {
			t.Fatalf("start: %+v %v", res, err)
		}
		c := res.Conversation
		other := &account.Account{Name: "B", Plan: account.PlanSuiteTeam}
		if err := f.db.NewAccount(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetConversationLanguage(ctx, other.ID, c.ID, "en"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another account's conversation: %v", err)
		}
		if err := f.db.SetWidgetLanguage(ctx, other.ID, f.widget.ID, "en"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another account's widget: %v", err)
		}
		if err := f.db.SetConversationLanguage(ctx, f.acct.ID, c.ID, "en"); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetWidgetLanguage(ctx, f.acct.ID, f.widget.ID, "el"); err != nil {
			t.Fatal(err)
		}
		if got, err := f.db.Conversation(ctx, f.acct.ID, c.ID); err != nil || got.Language != "en" {
			t.Errorf("conversation language: %+v %v", got, err)
		}
		if got, err := f.db.Widget(ctx, f.acct.ID, f.widget.ID); err != nil || got.Language != "el" {
			t.Errorf("widget language: %+v %v", got, err)
		}
	})
}

// Instances starting together on one PostgreSQL apply each migration once.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			db, err := store.Open(t.Context(), store.Config{URL: url})
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// SQLite's commits never checkpoint its log; a connection of its own does,
// after which the next write starts the log over. When a pass finds the log
// long, the appender copies the rest after its next batch.
func TestSQLiteCheckpoints(t *testing.T) {
	ctx := t.Context()
	f := open(t, store.Config{SQLitePath: filepath.Join(t.TempDir(), "db.sqlite"), CheckpointEvery: -1})
	if pages, err := store.AutoCheckpoint(ctx, f.db); err != nil || pages != 0 {
		t.Fatalf("commits checkpoint every %d pages (%v), want never", pages, err)
	}
	c := f.startConversation(t)
	writes := func(round string) {
		for i := range 20 {
			f.write(t, message(c, fmt.Sprint(round, i)))
		}
	}
	const unbounded = 1 << 30
	writes("a")
	grown, err := store.Checkpoint(ctx, f.db, unbounded)
	if err != nil || grown < 20 || store.LogLong(f.db) {
		t.Fatalf("20 commits left %d pages in the log (long %v, %v)", grown, store.LogLong(f.db), err)
	}
	f.write(t, message(c, "after"))
	if pages, err := store.Checkpoint(ctx, f.db, unbounded); err != nil || pages >= grown {
		t.Fatalf("a write after a checkpoint left %d pages in the log, of %d (%v): it did not start over", pages, grown, err)
	}
	writes("b")
	if _, err := store.Checkpoint(ctx, f.db, 1); err != nil || !store.LogLong(f.db) {
		t.Fatalf("a pass did not find a log of more than one page long (%v)", err)
	}
	// The appender copies after it has answered its batch, and before
	// it takes the next.
	f.write(t, message(c, "c"))
	f.write(t, message(c, "d"))
	if store.LogLong(f.db) {
		t.Fatal("the appender did not copy a long log after its batch")
	}
}
