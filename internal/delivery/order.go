package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkline/linkline/internal/conversation"
)

// Replies to one conversation on one channel reach the phone in the order
// the agent wrote them, across retries, restarts and instances (R34). River
// runs the jobs of a queue concurrently and in no promised order, so each
// job keeps the line itself: it sends only when no reply written before
// its own, to the same conversation and channel, is still queued. Otherwise
// it snoozes, which costs no attempt, and the reply ahead wakes it when it
// is sent or fails for good. A reply that failed for good no longer holds
// the line: the agent sees why it failed, and what came after it goes out.
// Conversations do not wait for each other.

// orderHorizon bounds how long a queued reply holds back those written
// after it: the retries of a reply span about six hours (see
// Args.InsertOpts), so one queued for longer has lost its job (a job
// deleted by hand, a worker that panicked on its last attempt) and will
// never be sent.
const orderHorizon = 7 * time.Hour

// Snoozes behind a reply ahead start short, since the reply ahead usually
// goes out within a second, and grow up to maxWaitBehind: a reply ahead
// that is backing off for an hour costs a few checks a minute, not one
// a second. A wake-up cuts any wait short, even one that comes while this
// job decides to wait (Jobs.Wake); the cap bounds the wait when a wake-up
// is lost to a crash.
const (
	minWaitBehind = 250 * time.Millisecond
	maxWaitBehind = 30 * time.Second
)

// Sends is what the worker keeps beside the messages (R34): the line of
// queued replies, and every attempt to send one with what the platform
// answered.
type Sends interface {
	// QueuedBefore returns the id of the first reply written before m to
	// its conversation and channel that is still queued and was written
	// after since; 0 when there is none.
	QueuedBefore(ctx context.Context, m *conversation.Message, since time.Time) (int64, error)
	// QueuedAfter returns the id of the first reply written after m to its
	// conversation and channel that is still queued; 0 when there is none.
	QueuedAfter(ctx context.Context, m *conversation.Message) (int64, error)
	// QueuedThrough returns the ids of the replies still queued to
	// identities of an integration, oldest first.
	QueuedThrough(ctx context.Context, accountID, integrationID int64) ([]int64, error)
	// SendsTo returns when the attempts to send to an identity since a
	// time began, oldest first.
	SendsTo(ctx context.Context, accountID, identityID int64, since time.Time) ([]time.Time, error)
	// StartSend records that an attempt to send a message begins. It
	// returns the attempt's id, the platform id an earlier attempt got
	// back ("" when none did), and how many earlier attempts have no
	// known outcome: their process died mid-send, or the platform's
	// answer never came (UnsureSend). trace is the
	// attempt's traceparent, which status webhooks about what it sent
	// link to (Store.SentTrace).
	StartSend(ctx context.Context, accountID, messageID int64, trace string) (attempt int64, sentAs string, unfinished int, err error)
	// EndSend records an attempt's outcome, the platform's id or why it
	// failed, and returns how many platform ids the message has now.
	EndSend(ctx context.Context, accountID, attempt int64, sentAs, failure string) (ids int, err error)
	// UnsureSend records why an attempt's outcome is unknown, and leaves
	// it without one, like an attempt whose process died.
	UnsureSend(ctx context.Context, accountID, attempt int64, why string) error
}

// Queue wakes the delivery job of a message that waits behind another.
type Queue interface {
	Wake(ctx context.Context, messageID int64) error
}

// waitBehind is how long a job whose reply waits in line snoozes, after
// it has snoozed snoozes times already.
func waitBehind(snoozes int) time.Duration {
	if snoozes >= 8 {
		return maxWaitBehind
	}
	return min(minWaitBehind<<snoozes, maxWaitBehind)
}

// snoozesOf reads how many times River has snoozed a job, from the count
// it keeps in the job's metadata.
func snoozesOf(job *rivertype.JobRow) int {
	var md struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(job.Metadata, &md)
	return md.Snoozes
}

// Jobs is the River queue of delivery jobs. It also works the wakes that
// found their job running (WakeArgs).
type Jobs struct {
	river.WorkerDefaults[WakeArgs]
	client *river.Client[*sql.Tx]
}

var _ Queue = Jobs{}

// NewJobs returns the delivery jobs of client.
func NewJobs(client *river.Client[*sql.Tx]) Jobs { return Jobs{client: client} }

// Wake makes the waiting delivery job of a message available now. A job
// that has finished is left as it is. A running job cannot be woken: River
// leaves running jobs alone, and the run may have read the message before
// the change the wake is for, and be about to snooze for minutes (a reply
// held for a closed window, released as the job looked). So that wake is
// kept as a job of its own, which looks again until the run has ended.
func (j Jobs) Wake(ctx context.Context, messageID int64) error {
	running, err := wake(ctx, j.client, messageID)
	if err != nil || !running {
		return err
	}
	_, err = j.client.Insert(ctx, WakeArgs{MessageID: messageID}, nil)
	return err
}

// wake makes the message's waiting delivery job available, and reports
// whether its job was running instead.
func wake(ctx context.Context, client *river.Client[*sql.Tx], messageID int64) (running bool, err error) {
	// The same SQL reads the job's arguments on PostgreSQL (jsonb) and
	// SQLite (JSON text or JSONB).
	res, err := client.JobList(ctx, river.NewJobListParams().
		Kinds(Args{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRunning).
		Where("CAST(args ->> 'message_id' AS bigint) = @message_id", river.NamedArgs{"message_id": messageID}).
		First(1))
	if err != nil || len(res.Jobs) == 0 {
		return false, err
	}
	job := res.Jobs[0]
	if job.State == rivertype.JobStateRunning {
		return true, nil
	}
	_, err = client.JobRetry(ctx, job.ID)
	return false, err
}

// WakeArgs is a wake that found its message's delivery job running.
// Wakes are not unique: one inserted while another runs must not be
// dropped, and a spare one at worst makes a waiting job look once more.
type WakeArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job in River.
func (WakeArgs) Kind() string { return "wake_delivery" }

// Work wakes the message's delivery job once its run has ended; until then
// it snoozes, briefly at first, since a run that read the message before
// its change ends within moments, then longer, up to the cap of a wait
// behind a reply: a run that is sending may take up to the job timeout.
func (j Jobs) Work(ctx context.Context, job *river.Job[WakeArgs]) error {
	running, err := wake(ctx, j.client, job.Args.MessageID)
	if err == nil && running {
		return river.JobSnooze(waitBehind(snoozesOf(job.JobRow)))
	}
	return err
}
