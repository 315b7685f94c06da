package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/meta"
)

var workNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// workBench is a worker over fakes: one WhatsApp identity in conversation
// 1, replies queued to it, and an adapter that answers from a script.
type workBench struct {
	store   *workStore
	sends   *fakeSends
	queue   *fakeQueue
	adapter *scriptedAdapter
	worker  *Worker
	resent  []string
}

func newWorkBench() *workBench {
	st := &workStore{msgs: map[int64]*conversation.Message{}}
	b := &workBench{store: st, sends: &fakeSends{store: st}, queue: &fakeQueue{}, adapter: &scriptedAdapter{}}
	s := NewService(st, st, st, oneAdapter{b.adapter}, slog.New(slog.DiscardHandler), func() time.Time { return workNow })
	b.worker = NewWorker(s, b.sends, b.queue, PairLimit{})
	b.worker.Resent = func(reason string) { b.resent = append(b.resent, reason) }
	return b
}

// reply queues a reply to conversation conv, written age ago, and returns
// its id.
func (b *workBench) reply(conv int64, text string, age time.Duration) int64 {
	id := int64(len(b.store.msgs) + 1)
	b.store.msgs[id] = &conversation.Message{
		ID: id, AccountID: 1, ConversationID: conv, Seq: id, Channel: conversation.ChannelWhatsApp,
		Text: text, IdentityID: conv, DeliveryState: conversation.DeliveryQueued, CreatedAt: workNow.Add(-age),
	}
	return id
}

// work runs the given attempt (of 15) of id's job, which snoozed snoozes
// times before.
func (b *workBench) work(id int64, attempt, snoozes int) error {
	return b.worker.Work(context.Background(), &river.Job[Args]{
		JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 15, Metadata: fmt.Appendf(nil, `{"snoozes":%d}`, snoozes)},
		Args:   Args{AccountID: 1, MessageID: id},
	})
}

func (b *workBench) state(id int64) conversation.DeliveryState { return b.store.msgs[id].DeliveryState }

func snoozed(err error) (time.Duration, bool) {
	if s, ok := errors.AsType[*river.JobSnoozeError](err); ok {
		return s.Duration, true
	}
	return 0, false
}

func cancelled(err error) bool {
	_, ok := errors.AsType[*river.JobCancelError](err)
	return ok
}

var unavailable = &meta.Error{HTTPStatus: 503, Code: 2, Message: "Service temporarily unavailable"}

// R34: a reply waits while one written before it to the same conversation
// and channel is still queued, even while that one is retrying after a
// 503; it does not spend an attempt waiting, and it goes out, woken, once
// the one ahead is sent. Another conversation does not wait.
func TestRepliesLeaveInOrder(t *testing.T) {
	b := newWorkBench()
	a := b.reply(1, "A", time.Minute)
	bb := b.reply(1, "B", time.Minute)
	other := b.reply(2, "elsewhere", time.Minute)

	b.adapter.script = []error{unavailable}
	if err := b.work(a, 1, 0); err == nil || cancelled(err) || b.state(a) != conversation.DeliveryQueued {
		t.Fatalf("A after a 503: %v, %s", err, b.state(a))
	}
	if d, ok := snoozed(b.work(bb, 1, 0)); !ok || d != minWaitBehind {
		t.Fatalf("B while A retries: want a snooze of %s, got %s %v", minWaitBehind, d, ok)
	}
	if err := b.work(other, 1, 0); err != nil || b.state(other) != conversation.DeliverySent {
		t.Fatalf("another conversation's reply: %v, %s", err, b.state(other))
	}
	if len(b.queue.woken) != 0 {
		t.Fatalf("woken while A is still queued: %v", b.queue.woken)
	}
	if err := b.work(a, 2, 0); err != nil || b.state(a) != conversation.DeliverySent {
		t.Fatalf("A's retry: %v, %s", err, b.state(a))
	}
	if !slices.Equal(b.queue.woken, []int64{bb}) {
		t.Fatalf("A sent: woken %v, want B (%d)", b.queue.woken, bb)
	}
	if err := b.work(bb, 1, 1); err != nil || b.state(bb) != conversation.DeliverySent {
		t.Fatalf("B after A: %v, %s", err, b.state(bb))
	}
	if got := b.adapter.texts(); !slices.Equal(got, []string{"A", "elsewhere", "A", "B"}) {
		t.Errorf("sends %q, want A (503), elsewhere, A, B", got)
	}
}

// R34, R17: a reply that failed for good no longer holds the line: the
// next one is woken and goes out. So does one whose job ran out of
// attempts on an error that is not a send's. A reply queued for longer
// than its retries could last holds nothing back.
func TestFailedReplyReleasesTheLine(t *testing.T) {
	b := newWorkBench()
	a := b.reply(1, "A", time.Minute)
	bb := b.reply(1, "B", time.Minute)
	c := b.reply(1, "C", time.Minute)
	b.adapter.script = []error{&meta.Error{HTTPStatus: 400, Code: 131026, Message: "Message undeliverable"}}
	if err := b.work(a, 1, 0); !cancelled(err) || b.state(a) != conversation.DeliveryFailed {
		t.Fatalf("A refused for good: %v, %s", err, b.state(a))
	}
	if !slices.Equal(b.queue.woken, []int64{bb}) {
		t.Fatalf("woken %v, want B", b.queue.woken)
	}

	b.store.secretsErr = errors.New("database unreachable")
	if err := b.work(bb, 15, 0); !cancelled(err) || b.state(bb) != conversation.DeliveryFailed {
		t.Fatalf("B's last attempt failing: %v, %s", err, b.state(bb))
	}
	if !slices.Equal(b.queue.woken, []int64{bb, c}) {
		t.Fatalf("woken %v, want B then C", b.queue.woken)
	}
	b.store.secretsErr = nil

	b.reply(3, "lost", 8*time.Hour)
	after := b.reply(3, "after the lost one", time.Minute)
	if err := b.work(after, 1, 0); err != nil || b.state(after) != conversation.DeliverySent {
		t.Errorf("behind a reply queued past its retries: %v, %s", err, b.state(after))
	}
}

// R34: a run after a crash does not send again what an earlier attempt
// sent (its platform id is recorded, its state is not); it warns when an
// earlier attempt died mid-send (the phone may get the reply twice), and
// when the platform gave a message a second id.
func TestSendAfterCrash(t *testing.T) {
	b := newWorkBench()
	done := b.reply(1, "sent before the crash", time.Minute)
	b.sends.attempts = append(b.sends.attempts, attemptRec{message: done, ended: true, sentAs: "wamid.BEFORE"})
	if err := b.work(done, 2, 0); err != nil {
		t.Fatal(err)
	}
	if m := b.store.msgs[done]; m.DeliveryState != conversation.DeliverySent || m.ExternalID != "wamid.BEFORE" || len(b.adapter.sent) != 0 {
		t.Errorf("recorded send: %s %q, %d sends", m.DeliveryState, m.ExternalID, len(b.adapter.sent))
	}

	midSend := b.reply(2, "in flight at the crash", time.Minute)
	b.sends.attempts = append(b.sends.attempts, attemptRec{message: midSend})
	if err := b.work(midSend, 2, 0); err != nil || b.state(midSend) != conversation.DeliverySent {
		t.Fatalf("after a crash mid-send: %v %s", err, b.state(midSend))
	}
	if !slices.Equal(b.resent, []string{"unknown_outcome"}) {
		t.Errorf("resent %v, want unknown_outcome", b.resent)
	}

	twice := b.reply(3, "answered twice", time.Minute)
	b.sends.attempts = append(b.sends.attempts, attemptRec{message: twice, ended: true, sentAs: "wamid.FIRST"})
	// Two runs at once (a process that froze past the rescue horizon and
	// woke up): this one started before the other recorded its id.
	b.sends.ignoreSentAs = true
	if err := b.work(twice, 2, 0); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.resent, []string{"unknown_outcome", "sent_twice"}) {
		t.Errorf("resent %v, want sent_twice last", b.resent)
	}
}

// R34: a send whose answer never came (a timeout once the request had
// left) may have reached the phone: its attempt is left without an
// outcome, so the retry knows it may be a second copy, and says so. A
// send that never left (the connection refused) or that Meta answered
// is a sure failure: its retry warns of nothing.
func TestUnsureSendIsKnownToItsRetry(t *testing.T) {
	b := newWorkBench()
	timedOut := &url.Error{Op: "Post", URL: "https://graph.facebook.com/v21.0/1/messages", Err: context.DeadlineExceeded}
	refused := &url.Error{Op: "Post", URL: "https://graph.facebook.com/v21.0/1/messages", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	b.adapter.script = []error{refused, unavailable, timedOut}
	id := b.reply(1, "hello", time.Minute)
	for attempt := 1; attempt <= 3; attempt++ {
		if err := b.work(id, attempt, 0); err == nil {
			t.Fatalf("attempt %d succeeded against its script", attempt)
		}
	}
	for i, a := range b.sends.attempts {
		if want := i == 2; a.unsure != want || a.ended == want {
			t.Errorf("attempt %d: unsure %v, ended %v; want unsure %v", i+1, a.unsure, a.ended, want)
		}
	}
	if len(b.resent) != 0 {
		t.Fatalf("sure failures were taken for unsure ones: resent %v", b.resent)
	}
	if err := b.work(id, 4, 0); err != nil || b.state(id) != conversation.DeliverySent {
		t.Fatalf("the retry: %v, %s", err, b.state(id))
	}
	if !slices.Equal(b.resent, []string{"unknown_outcome"}) {
		t.Errorf("resent %v, want unknown_outcome", b.resent)
	}
}

// R17: Meta refusing the token (190) marks the integration failing and
// holds the reply, queued, without spending attempts or failing it; the
// replies behind it keep their place. New credentials release them: they
// are woken and go out in order.
func TestInvalidTokenHoldsReplies(t *testing.T) {
	b := newWorkBench()
	a := b.reply(1, "A", time.Minute)
	bb := b.reply(1, "B", time.Minute)
	b.adapter.script = []error{&meta.Error{HTTPStatus: 401, Code: 190, Subcode: 463, Message: "Error validating access token"}}
	if d, ok := snoozed(b.work(a, 1, 0)); !ok || d != heldWait || b.state(a) != conversation.DeliveryQueued || !b.store.failing {
		t.Fatalf("A refused for its token: snooze %s %v, %s, failing %v", d, ok, b.state(a), b.store.failing)
	}
	if d, ok := snoozed(b.work(bb, 1, 0)); !ok || d != minWaitBehind {
		t.Fatalf("B behind the held A: %s %v", d, ok)
	}
	// Woken while the integration still fails: held again, nothing sent.
	if d, ok := snoozed(b.work(a, 1, 1)); !ok || d != heldWait || b.state(a) != conversation.DeliveryQueued || len(b.adapter.sent) != 1 {
		t.Fatalf("A while still failing: snooze %s %v, %s, %d sends", d, ok, b.state(a), len(b.adapter.sent))
	}

	b.store.failing = false
	if err := b.worker.Release(context.Background(), 1, 7); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.queue.woken, []int64{a, bb}) {
		t.Fatalf("released %v, want A and B", b.queue.woken)
	}
	if err := b.work(a, 1, 2); err != nil || b.state(a) != conversation.DeliverySent {
		t.Fatalf("A after new credentials: %v, %s", err, b.state(a))
	}
	if err := b.work(bb, 1, 1); err != nil || b.state(bb) != conversation.DeliverySent {
		t.Fatalf("B after A: %v, %s", err, b.state(bb))
	}
	if got := b.adapter.texts(); !slices.Equal(got, []string{"A", "A", "B"}) {
		t.Errorf("sends %q, want A (190), A, B", got)
	}
}

// R34: waits behind a reply grow from a quarter second and stop at 30 s.
func TestWaitBehind(t *testing.T) {
	for snoozes, want := range map[int]time.Duration{0: 250 * time.Millisecond, 1: 500 * time.Millisecond, 3: 2 * time.Second, 7: 30 * time.Second, 40: 30 * time.Second} {
		if got := waitBehind(snoozes); got != want {
			t.Errorf("after %d snoozes: %s, want %s", snoozes, got, want)
		}
	}
	job := &rivertype.JobRow{Metadata: []byte(`{"snoozes":3,"other":true}`)}
	if n := snoozesOf(job); n != 3 {
		t.Errorf("snoozes of %s: %d", job.Metadata, n)
	}
}

// workStore holds the messages and answers the worker's reads; it is also
// the writer that moves their delivery state.
type workStore struct {
	Store
	msgs       map[int64]*conversation.Message
	secretsErr error
	// failing is set once the worker marks the integration failing.
	failing bool
}

func (s *workStore) MarkFailing(context.Context, *integration.Integration, string) error {
	s.failing = true
	return nil
}

func (s *workStore) Message(_ context.Context, _, id int64) (*conversation.Message, error) {
	m := *s.msgs[id]
	return &m, nil
}

func (s *workStore) Identity(_ context.Context, _, id int64) (*conversation.Identity, error) {
	last := workNow.Add(-time.Hour)
	return &conversation.Identity{ID: id, AccountID: 1, ConversationID: id, Channel: conversation.ChannelWhatsApp, IntegrationID: 7, ExternalID: fmt.Sprint("phone", id), LastInboundAt: &last}, nil
}

func (s *workStore) Integration(_ context.Context, _, id int64) (*integration.Integration, error) {
	status := integration.StatusActive
	if s.failing {
		status = integration.StatusFailing
	}
	return &integration.Integration{ID: id, AccountID: 1, Channel: conversation.ChannelWhatsApp, Status: status}, nil
}

func (s *workStore) IntegrationSecrets(context.Context, int64, int64) (integration.Secrets, error) {
	return integration.Secrets{}, s.secretsErr
}

func (s *workStore) Write(_ context.Context, c conversation.Command) (*conversation.Written, error) {
	u := c.(conversation.DeliveryUpdate)
	u.Apply(s.msgs[u.MessageID], nil)
	return &conversation.Written{}, nil
}

// fakeSends keeps the line from the store's messages, and the attempts.
type fakeSends struct {
	store    *workStore
	attempts []attemptRec
	// ignoreSentAs hides earlier platform ids from StartSend.
	ignoreSentAs bool
	// recent is what SendsTo answers; asked counts its calls.
	recent []time.Time
	asked  int
}

type attemptRec struct {
	message int64
	ended   bool
	sentAs  string
	// unsure: its outcome is unknown (UnsureSend); it stays unended.
	unsure bool
}

func (f *fakeSends) queued(m *conversation.Message, keep func(*conversation.Message) bool) int64 {
	var best *conversation.Message
	for _, o := range f.store.msgs {
		if o.ConversationID == m.ConversationID && o.Channel == m.Channel && o.DeliveryState == conversation.DeliveryQueued && keep(o) && (best == nil || o.Seq < best.Seq) {
			best = o
		}
	}
	if best == nil {
		return 0
	}
	return best.ID
}

func (f *fakeSends) QueuedBefore(_ context.Context, m *conversation.Message, since time.Time) (int64, error) {
	return f.queued(m, func(o *conversation.Message) bool { return o.Seq < m.Seq && o.CreatedAt.After(since) }), nil
}

func (f *fakeSends) QueuedAfter(_ context.Context, m *conversation.Message) (int64, error) {
	return f.queued(m, func(o *conversation.Message) bool { return o.Seq > m.Seq }), nil
}

func (f *fakeSends) QueuedThrough(_ context.Context, _, integrationID int64) ([]int64, error) {
	var ids []int64
	for id, m := range f.store.msgs {
		if integrationID == 7 && m.DeliveryState == conversation.DeliveryQueued {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (f *fakeSends) SendsTo(context.Context, int64, int64, time.Time) ([]time.Time, error) {
	f.asked++
	return f.recent, nil
}

func (f *fakeSends) StartSend(_ context.Context, _, messageID int64, _ string) (int64, string, int, error) {
	var sentAs string
	var unfinished int
	for _, a := range f.attempts {
		switch {
		case a.message != messageID:
		case a.sentAs != "" && !f.ignoreSentAs:
			sentAs = a.sentAs
		case !a.ended:
			unfinished++
		}
	}
	f.attempts = append(f.attempts, attemptRec{message: messageID})
	return int64(len(f.attempts)), sentAs, unfinished, nil
}

func (f *fakeSends) EndSend(_ context.Context, _, attempt int64, sentAs, _ string) (int, error) {
	a := &f.attempts[attempt-1]
	a.ended, a.sentAs = true, sentAs
	ids := map[string]bool{}
	for _, o := range f.attempts {
		if o.message == a.message && o.sentAs != "" {
			ids[o.sentAs] = true
		}
	}
	return len(ids), nil
}

func (f *fakeSends) UnsureSend(_ context.Context, _, attempt int64, _ string) error {
	f.attempts[attempt-1].unsure = true
	return nil
}

type fakeQueue struct{ woken []int64 }

func (q *fakeQueue) Wake(_ context.Context, messageID int64) error {
	q.woken = append(q.woken, messageID)
	return nil
}

// scriptedAdapter answers sends from its script of errors, then with ids.
type scriptedAdapter struct {
	channel.Adapter
	script []error
	sent   []channel.Text
}

func (a *scriptedAdapter) SendText(_ context.Context, _ channel.Credentials, t channel.Text) (channel.Sent, error) {
	a.sent = append(a.sent, t)
	if len(a.script) > 0 {
		err := a.script[0]
		a.script = a.script[1:]
		return channel.Sent{}, err
	}
	return channel.Sent{ExternalID: fmt.Sprint("wamid.", len(a.sent))}, nil
}

func (a *scriptedAdapter) texts() []string {
	out := make([]string, len(a.sent))
	for i, t := range a.sent {
		out[i] = t.Body
	}
	return out
}

// R34: a run that finds its reply already sent, by an earlier run that
// died or lost the database before it woke the reply behind, wakes it:
// the line does not wait out the next one's snooze.
func TestRunOfASentReplyWakesTheNext(t *testing.T) {
	b := newWorkBench()
	a := b.reply(1, "A", time.Minute)
	bb := b.reply(1, "B", time.Minute)
	b.store.msgs[a].DeliveryState = conversation.DeliverySent
	if err := b.work(a, 2, 0); err != nil {
		t.Fatalf("A's second run: %v", err)
	}
	if !slices.Equal(b.queue.woken, []int64{bb}) {
		t.Errorf("woken %v, want B (%d)", b.queue.woken, bb)
	}
	if got := b.adapter.texts(); len(got) != 0 {
		t.Errorf("sends %q, want none: A was sent before", got)
	}
}
