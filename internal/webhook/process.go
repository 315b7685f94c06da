package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// ProcessArgs is the job that processes one stored webhook body.
type ProcessArgs struct {
	InboxID int64 `json:"inbox_id"`
}

// Kind names the job in River.
func (ProcessArgs) Kind() string { return "process_webhook" }

// Stored reads what the ingress stored.
type Stored interface {
	Webhook(ctx context.Context, id int64) (integrationID int64, body []byte, processed bool, err error)
	Processed(ctx context.Context, id int64) error
}

// Lookup finds an integration by id.
type Lookup interface {
	WebhookIntegration(ctx context.Context, integrationID int64) (*integration.Integration, error)
}

// Receiver takes social messages into conversations.
type Receiver interface {
	Receive(ctx context.Context, in conversation.Incoming) (*conversation.Written, error)
}

// Adapters gives the adapter that serves an integration.
type Adapters interface {
	For(it *integration.Integration) channel.Adapter
}

// Reporter applies delivery reports.
type Reporter interface {
	Report(ctx context.Context, it *integration.Integration, st channel.Status) error
}

// Linker takes the messages that belong to linking: tokens and answers to
// the confirmation (R6).
type Linker interface {
	Handle(ctx context.Context, it *integration.Integration, in *channel.Inbound) (bool, error)
}

// Processor parses a stored webhook through its channel's adapter and hands
// each event to the domain. Every step is idempotent, so River may run a
// job again after a crash: messages are deduplicated by their platform id.
type Processor struct {
	river.WorkerDefaults[ProcessArgs]
	stored   Stored
	lookup   Lookup
	adapters Adapters
	receiver Receiver
	reporter Reporter
	linker   Linker
	profiles *Profiles
	log      *slog.Logger
	// Processed, when set, observes the time from a webhook's receipt to
	// its events stored, per channel.
	Processed func(ch conversation.Channel, d time.Duration)
	// Wrote, when set, is told that an end user wrote on a social
	// identity, after the message is stored: the replies held for its
	// closed window go out (R33). An error retries the webhook.
	Wrote func(ctx context.Context, accountID, identityID int64) error
	// Fetch, when set, queues the fetch of the files of a stored message
	// still RECEIVING, media as the webhook named them (R30). It runs on
	// a duplicate too, so that a webhook processed again after a crash
	// queues what its first run did not; it queues nothing twice. An
	// error retries the webhook.
	Fetch func(ctx context.Context, it *integration.Integration, m *conversation.Message, media []channel.InboundMedia) error
}

// NewProcessor returns the webhook processing worker.
func NewProcessor(stored Stored, lookup Lookup, adapters Adapters, receiver Receiver, reporter Reporter, linker Linker, profiles *Profiles, log *slog.Logger) *Processor {
	return &Processor{stored: stored, lookup: lookup, adapters: adapters, receiver: receiver, reporter: reporter, linker: linker, profiles: profiles, log: log}
}

// Work processes one webhook body.
func (p *Processor) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	integrationID, body, processed, err := p.stored.Webhook(ctx, job.Args.InboxID)
	if apperr.CodeOf(err) == apperr.NotFound || processed {
		return nil
	}
	if err != nil {
		return err
	}
	it, err := p.lookup.WebhookIntegration(ctx, integrationID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return p.stored.Processed(ctx, job.Args.InboxID) // removed meanwhile
	}
	if err != nil {
		return err
	}
	adapter := p.adapters.For(it)
	if adapter == nil {
		return river.JobCancel(fmt.Errorf("no adapter for %s", it.Channel))
	}
	events, err := adapter.Parse(body)
	if err != nil {
		// Signed by the integration's secret, yet not its channel's
		// shape: keep it (the inbox row stays) but do not retry.
		p.log.WarnContext(ctx, "webhook: unparseable body", "integration", it.ID, "inbox", job.Args.InboxID, "err", err)
		return p.stored.Processed(ctx, job.Args.InboxID)
	}
	for _, ev := range events {
		if ev.Business != it.BusinessID {
			continue // another number or page: not this integration's
		}
		if m := ev.Message; m != nil {
			if err := p.message(ctx, it, adapter, m); err != nil {
				return err
			}
		}
		if st := ev.Status; st != nil {
			if err := p.reporter.Report(ctx, it, *st); err != nil {
				return err
			}
		}
	}
	if err := p.stored.Processed(ctx, job.Args.InboxID); err != nil {
		return err
	}
	// The job commits with the stored body: its creation is the receipt.
	if p.Processed != nil {
		p.Processed(it.Channel, time.Since(job.CreatedAt))
	}
	return nil
}

// message hands an inbound message to linking or to its conversation,
// its sender named first where the payload has no name, so that a link's
// identity and a new conversation's end user get the name too.
func (p *Processor) message(ctx context.Context, it *integration.Integration, adapter channel.Adapter, m *channel.Inbound) error {
	read, err := p.profiles.name(ctx, it, adapter, m)
	if err != nil {
		return err
	}
	handled, err := p.linker.Handle(ctx, it, m)
	if err != nil {
		return err
	}
	// A bare referral (an m.me / ig.me link opened without a token) says
	// nothing to an agent.
	if !handled && (m.Kind != "referral" || m.Text != "") {
		w, err := p.receiver.Receive(ctx, conversation.Incoming{
			AccountID: it.AccountID, IntegrationID: it.ID, Channel: it.Channel,
			From: m.From.ID, Name: m.From.Name, ExternalID: m.ExternalID, Kind: m.Kind, Text: m.Text, ChoiceID: m.ChoiceID, At: m.Timestamp,
			Attachments: receiving(m.Media), Location: m.Location,
		})
		if err != nil && apperr.CodeOf(err) != apperr.BadUserInput {
			return err
		}
		if err == nil && p.Fetch != nil && w.Message != nil && len(m.Media) > 0 {
			if err := p.Fetch(ctx, it, w.Message, m.Media); err != nil {
				return err
			}
		}
		// A duplicate releases too: its first run may have ended before.
		if err == nil && p.Wrote != nil && w.Message != nil && w.Message.IdentityID != 0 {
			if err := p.Wrote(ctx, it.AccountID, w.Message.IdentityID); err != nil {
				return err
			}
		}
	}
	return p.profiles.record(ctx, read)
}

// receiving is how a message carries the files of media until they are
// fetched: their kind, name and declared type.
func receiving(media []channel.InboundMedia) []conversation.Attachment {
	var out []conversation.Attachment
	for _, m := range media {
		out = append(out, conversation.Attachment{Kind: m.Kind, Name: attachment.CleanName(m.Name), ContentType: m.ContentType})
	}
	return out
}
