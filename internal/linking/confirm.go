package linking

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
)

// ConfirmTTL is how long the end user has to answer the confirmation.
const ConfirmTTL = 10 * time.Minute

// Refusal says why a presented token links nothing.
type Refusal string

const (
	RefusedUnknown   Refusal = "unknown"
	RefusedUsed      Refusal = "used"
	RefusedExpired   Refusal = "expired"
	RefusedCancelled Refusal = "cancelled"
)

var tokenPattern = regexp.MustCompile(tokenPrefix + `[a-z2-7]{26}`)

// TokenIn finds a link token in what the end user sent: the WhatsApp
// prefilled text, or a Messenger / Instagram ref.
func TokenIn(in *channel.Inbound) (string, bool) {
	if t := tokenPattern.FindString(in.Ref); t != "" {
		return t, true
	}
	if in.Kind == "text" {
		if t := tokenPattern.FindString(in.Text); t != "" {
			return t, true
		}
	}
	return "", false
}

// The ids of the confirmation's two reply choices carry the request.
const (
	choiceYes = "link-yes:"
	choiceNo  = "link-no:"
)

// ConfirmStore moves requests through confirmation.
type ConfirmStore interface {
	// RedeemLinkRequest binds a pending, unexpired request of it's
	// channel to the redeemer, atomically: of many redemptions of one
	// token, one succeeds (bound). It returns the request as it stands
	// after, nil when it's channel has none with the token.
	RedeemLinkRequest(ctx context.Context, tokenHash []byte, it *integration.Integration, redeemer, name string, now, confirmBy time.Time) (r *conversation.LinkRequest, bound bool, err error)
	// ExpireLinkRequest records that a pending request expired.
	ExpireLinkRequest(ctx context.Context, r *conversation.LinkRequest) error
	// DeclineLinkRequest ends a request awaiting the redeemer's answer.
	DeclineLinkRequest(ctx context.Context, it *integration.Integration, id int64, redeemer string) (bool, error)
	LinkRequestForRedeemer(ctx context.Context, it *integration.Integration, id int64, redeemer string) (*conversation.LinkRequest, error)
}

// Messenger sends to the end user on a channel, at once: these short
// notices belong to the moment, and the end user just wrote.
type Messenger interface {
	SendNow(ctx context.Context, it *integration.Integration, t channel.Text) error
	PromptNow(ctx context.Context, it *integration.Integration, p channel.Prompt) error
}

// LanguageOf tells the language a conversation is spoken to in on its
// channels (R27).
type LanguageOf interface {
	Of(ctx context.Context, accountID, conversationID int64) (Language, error)
}

// Confirmations run the confirmation dialogue on the channel (R6), in the
// conversation's language; a token that names no request gets English.
type Confirmations struct {
	store     ConfirmStore
	writer    conversation.Writer
	send      Messenger
	languages LanguageOf
	// changed wakes the widgets following the account's requests.
	changed func(ctx context.Context, accountID int64) error
	now     func() time.Time
	// Outcome, when set, observes requests confirmed, declined, or found
	// expired when the end user came back to them. A request nobody comes
	// back to expires unobserved: its absence from "confirmed" tells.
	Outcome func(ch conversation.Channel, outcome string)
}

// NewConfirmations returns the confirmation service.
func NewConfirmations(store ConfirmStore, writer conversation.Writer, send Messenger, languages LanguageOf, changed func(ctx context.Context, accountID int64) error, now func() time.Time) *Confirmations {
	return &Confirmations{store: store, writer: writer, send: send, languages: languages, changed: changed, now: now}
}

// Handle takes an inbound message that belongs to linking: a token or an
// answer to the confirmation. It reports whether it did; other messages
// are the conversation's.
func (cf *Confirmations) Handle(ctx context.Context, it *integration.Integration, in *channel.Inbound) (bool, error) {
	if token, ok := TokenIn(in); ok {
		return true, cf.redeem(ctx, it, in, token)
	}
	if id, ok := strings.CutPrefix(in.ChoiceID, choiceYes); ok {
		return true, cf.answer(ctx, it, in, id, true)
	}
	if id, ok := strings.CutPrefix(in.ChoiceID, choiceNo); ok {
		return true, cf.answer(ctx, it, in, id, false)
	}
	return false, nil
}

func (cf *Confirmations) redeem(ctx context.Context, it *integration.Integration, in *channel.Inbound, token string) error {
	now := cf.now().UTC()
	r, bound, err := cf.store.RedeemLinkRequest(ctx, HashToken(token), it, in.From.ID, in.From.Name, now, now.Add(ConfirmTTL))
	if err != nil {
		return err
	}
	if refusal := refusalOf(r, bound, in.From.ID); refusal != "" {
		if refusal == RefusedExpired && r.Status == conversation.RequestPending {
			if err := cf.store.ExpireLinkRequest(ctx, r); err != nil {
				return err
			}
			cf.outcome(it.Channel, "expired")
		}
		return cf.tell(ctx, it, in, English, refusals[refusal])
	}
	if err := cf.changed(ctx, it.AccountID); err != nil {
		return err
	}
	lang, err := cf.languages.Of(ctx, r.AccountID, r.ConversationID)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(r.ID, 10)
	return cf.send.PromptNow(ctx, it, channel.Prompt{
		To:   in.From.ID,
		Body: Text(lang, TextConfirmPrompt),
		Choices: []channel.Choice{
			{ID: choiceYes + id, Title: Text(lang, TextChoiceYes)},
			{ID: choiceNo + id, Title: Text(lang, TextChoiceNo)},
		},
	})
}

func (cf *Confirmations) outcome(ch conversation.Channel, outcome string) {
	if cf.Outcome != nil {
		cf.Outcome(ch, outcome)
	}
}

// refusalOf says why presenting a token to redeem r linked nothing (""
// when it did): r is the request as the redemption left it, nil when the
// token names none of the channel's, since a token works only on the
// channel it was asked for. The same redeemer presenting it again (a
// retried webhook job) is no refusal.
func refusalOf(r *conversation.LinkRequest, bound bool, redeemer string) Refusal {
	switch {
	case r == nil:
		return RefusedUnknown
	case bound, r.Status == conversation.RequestAwaiting && r.RedeemerID == redeemer:
		return ""
	case r.Status == conversation.RequestPending, r.Status == conversation.RequestExpired:
		// Pending but not bound: past its expiry.
		return RefusedExpired
	case r.Status == conversation.RequestCancelled:
		return RefusedCancelled
	}
	return RefusedUsed
}

// refusals say why a token linked nothing. Refused tokens name no request
// the end user may learn of, so they are answered in English.
var refusals = map[Refusal]TextID{
	RefusedExpired:   TextLinkExpired,
	RefusedUsed:      TextLinkUsed,
	RefusedCancelled: TextLinkCancelled,
	RefusedUnknown:   TextLinkUnknown,
}

func (cf *Confirmations) answer(ctx context.Context, it *integration.Integration, in *channel.Inbound, rawID string, yes bool) error {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil {
		return nil // not our choice after all
	}
	r, err := cf.store.LinkRequestForRedeemer(ctx, it, id, in.From.ID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return cf.tell(ctx, it, in, English, TextLinkGone)
	}
	if err != nil {
		return err
	}
	lang, err := cf.languages.Of(ctx, r.AccountID, r.ConversationID)
	if err != nil {
		return err
	}
	if !yes {
		return cf.decline(ctx, it, in, r, lang)
	}
	if r.Status == conversation.RequestLinked {
		return cf.tell(ctx, it, in, lang, TextLinked) // a retried webhook job
	}
	if r.Status != conversation.RequestAwaiting || !cf.now().Before(r.ExpiresAt) {
		cf.outcome(it.Channel, "expired")
		return cf.tell(ctx, it, in, lang, TextLinkExpired)
	}
	_, err = cf.writer.Write(ctx, activation(r, confirmed{integration: it.ID, from: in.From, at: in.Timestamp}))
	if err != nil {
		return err
	}
	cf.outcome(it.Channel, "confirmed")
	if err := cf.changed(ctx, it.AccountID); err != nil {
		return err
	}
	return cf.tell(ctx, it, in, lang, TextLinked)
}

// decline ends a request the end user said no to, and notes it in the
// conversation's history, so agents and the widget know why nothing was
// linked (R6, R13).
func (cf *Confirmations) decline(ctx context.Context, it *integration.Integration, in *channel.Inbound, r *conversation.LinkRequest, lang Language) error {
	if ok, err := cf.store.DeclineLinkRequest(ctx, it, r.ID, in.From.ID); err != nil || !ok {
		return err
	}
	cf.outcome(it.Channel, "declined")
	who := &conversation.Identity{Channel: it.Channel, ExternalID: in.From.ID, DisplayName: in.From.Name}
	_, err := cf.writer.Write(ctx, conversation.AddNote{AccountID: r.AccountID, ConversationID: r.ConversationID,
		Note: &conversation.Note{Kind: conversation.NoteLinkDeclined, Channel: it.Channel, Identity: who.Masked()}})
	if err != nil {
		return err
	}
	if err := cf.changed(ctx, it.AccountID); err != nil {
		return err
	}
	return cf.tell(ctx, it, in, lang, TextDeclined)
}

func (cf *Confirmations) tell(ctx context.Context, it *integration.Integration, in *channel.Inbound, lang Language, id TextID) error {
	return cf.send.SendNow(ctx, it, channel.Text{To: in.From.ID, Body: Text(lang, id)})
}
