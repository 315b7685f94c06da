package conversation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
)

// Incoming is a message an end user sent on a social channel, as the
// webhook reported it.
type Incoming struct {
	AccountID     int64
	IntegrationID int64
	Channel       Channel
	// From is the end user's id on the channel, Name their profile name.
	From, Name string
	// ExternalID is the platform's message id (wamid…, mid…).
	ExternalID string
	// Kind says what arrived: "text", "button", "referral", "image", …
	Kind string
	Text string
	// ChoiceID is the id of the reply choice tapped (R32).
	ChoiceID string
	// Attachments are the files the message carries, still on the
	// platform: each is recorded RECEIVING, to be fetched after (R30).
	// Text is then their caption, which may be empty.
	Attachments []Attachment
	// Location is a place the end user shared.
	Location *Location
	At       time.Time
}

// Receive appends a social message to the conversation of its identity,
// opening one on the identity's first message; the same ExternalID twice is
// one message (R18). A message of a kind the service does not display is
// kept as a note of what arrived, never dropped.
func (s *Service) Receive(ctx context.Context, in Incoming) (*Written, error) {
	if !in.Channel.Valid() || in.Channel == ChannelWebWidget || in.From == "" || in.ExternalID == "" {
		return nil, apperr.Invalid("event", "is not a social message")
	}
	text := strings.ToValidUTF8(in.Text, "\uFFFD")
	files, place := received(in)
	if files == nil && place == nil && (strings.TrimSpace(text) == "" || in.Kind != "text" && in.Kind != "button" && !strings.HasPrefix(text, "[")) {
		text = strings.TrimSpace("[" + in.Kind + "] " + text)
	}
	if n := utf8.RuneCountInString(text); n > s.cfg.MaxTextRunes {
		text = string([]rune(text)[:s.cfg.MaxTextRunes-1]) + "…"
	}
	at := in.At
	if at.IsZero() {
		at = s.now()
	}
	chosen := in.ChoiceID
	if chosen == "" && in.Kind == "text" {
		var err error
		if chosen, err = s.typedChoice(ctx, in); err != nil {
			return nil, err
		}
	}
	return s.writer.Write(ctx, Receive{
		AccountID: in.AccountID,
		From: SocialSender{Channel: in.Channel, IntegrationID: in.IntegrationID, ExternalID: in.From,
			Name: strings.ToValidUTF8(in.Name, ""), At: at},
		Message: &Message{
			AccountID: in.AccountID, Channel: in.Channel, AuthorRole: AuthorEndUser, AuthorName: in.Name,
			Text: text, ClientMessageID: externalClientID(in.ExternalID), ExternalID: in.ExternalID,
			ChoiceID: chosen, Attachments: files, Location: place,
		},
	})
}

// received is what a social message carries besides its text: its files,
// each RECEIVING until fetched, at most MaxAttachments, and a place on
// Earth, or nothing for one that is not.
func received(in Incoming) ([]Attachment, *Location) {
	var files []Attachment
	for _, a := range in.Attachments[:min(len(in.Attachments), MaxAttachments)] {
		files = append(files, Attachment{Kind: a.Kind, State: AttachmentReceiving,
			Name: strings.ToValidUTF8(a.Name, ""), ContentType: strings.ToValidUTF8(a.ContentType, "")})
	}
	if in.Location == nil || !in.Location.Valid() {
		return files, nil
	}
	place := *in.Location
	place.Name, place.Address = strings.ToValidUTF8(place.Name, ""), strings.ToValidUTF8(place.Address, "")
	return files, &place
}

// typedChoice is the id of the choice a social message answers by its
// number, in the conversation its identity's messages land in (R32).
func (s *Service) typedChoice(ctx context.Context, in Incoming) (string, error) {
	if choiceNumber(in.Text) == 0 {
		return "", nil
	}
	id, err := s.store.IdentityByExternalID(ctx, in.AccountID, in.Channel, in.From)
	if apperr.CodeOf(err) == apperr.NotFound || err == nil && id.ConversationID == 0 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.chosen(ctx, in.AccountID, id.ConversationID, in.Text, "")
}

// externalClientID fills the client message id of a social message, which
// is deduplicated by its ExternalID instead; platform ids can be longer than
// client ids may be, so it is a digest.
func externalClientID(externalID string) string {
	sum := sha256.Sum256([]byte(externalID))
	return "ext:" + hex.EncodeToString(sum[:16])
}
