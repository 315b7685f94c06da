// Package conversation holds end users, their conversations and the messages
// exchanged in them: starting a conversation, sending, replying, closing and
// reopening, and reading histories (R7, R9, R13, R15, R18, R23).
package conversation

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/social"
)

// Channel is where a message was sent or received. Social channels arrive
// with linking; every message carries its channel from day one (R9).
type Channel = social.Channel

const (
	ChannelWebWidget = social.WebWidget
	ChannelWhatsApp  = social.WhatsApp
	ChannelMessenger = social.Messenger
	ChannelInstagram = social.Instagram
)

// Status is a conversation's state in the agents' queue.
type Status string

const (
	StatusOpen   Status = "OPEN"
	StatusClosed Status = "CLOSED"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusOpen || s == StatusClosed }

// AuthorRole says who wrote a message.
type AuthorRole string

const (
	AuthorEndUser AuthorRole = "END_USER"
	AuthorAgent   AuthorRole = "AGENT"
	AuthorSystem  AuthorRole = "SYSTEM"
)

// EndUser is the customer behind a conversation; its fields make up the
// customer card agents see (R16 adds social identities to it).
type EndUser struct {
	ID         int64
	AccountID  int64
	WidgetID   int64
	Name       string
	Email      string
	ExternalID string
	CreatedAt  time.Time
}

// Identity is an end user's identity on a social channel: it belongs to
// the customer card (R16), and its messages land in one conversation.
type Identity struct {
	ID             int64
	AccountID      int64
	Channel        Channel
	ExternalID     string
	DisplayName    string
	EndUserID      int64
	IntegrationID  int64
	ConversationID int64
	// LastInboundAt starts the channel's customer-service window.
	LastInboundAt *time.Time
	// LinkedAt is when the identity was linked to a widget conversation;
	// nil for a standalone identity.
	LinkedAt *time.Time
	// PictureURL and ProfileAt come from the platform's user profile:
	// when it was last read (nil: never).
	PictureURL string
	ProfileAt  *time.Time
	CreatedAt  time.Time
}

// Masked is how the widget shows a linked identity (R6): enough to
// recognise one's own, not enough to learn someone else's. Messenger and
// Instagram show the profile name as a first name and an initial, or the
// id's last digits when there is no name.
func (id *Identity) Masked() string {
	if id.Channel != ChannelWhatsApp {
		if name := shortName(id.DisplayName); name != "" {
			return name
		}
		return "•••" + tail(id.ExternalID, 4)
	}
	digits := id.ExternalID
	if len(digits) <= 6 {
		return "•••" + tail(digits, 2)
	}
	return "+" + digits[:2] + " ••• " + tail(digits, 4)
}

// shortName is a name as people recognise it, without a stranger's full
// name: the first name and the last name's initial ("Ana Pereira" is "Ana
// P."), a single name as it is. Words without a letter (emoji) are left
// out; a name of none is no name.
func shortName(name string) string {
	words := slices.DeleteFunc(strings.Fields(name), func(w string) bool {
		return strings.IndexFunc(w, unicode.IsLetter) < 0
	})
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	last := words[len(words)-1]
	initial := last[strings.IndexFunc(last, unicode.IsLetter):]
	r, _ := utf8.DecodeRuneInString(initial)
	return words[0] + " " + string(unicode.ToUpper(r)) + "."
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// Conversation is one support conversation, whatever channels it crosses (R7).
type Conversation struct {
	ID          int64
	AccountID   int64
	WidgetID    int64
	EndUserID   int64
	Status      Status
	LastChannel Channel
	// LastSeq is the sequence number of the conversation's newest event.
	LastSeq int64
	// ActivitySeq is the account position of its newest event: the
	// agents' list is ordered by it.
	ActivitySeq   int64
	LastMessageAt *time.Time
	// Language overrides the widget's for what is sent on channels ("":
	// the widget's) (R27).
	Language string
	// AssigneeID is the agent answering it, 0 for nobody (R29).
	AssigneeID int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Message is one message of a conversation.
type Message struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	// Seq orders the conversation's messages; it increases with every event
	// of the conversation, so it is monotonic but not dense.
	Seq             int64
	Channel         Channel
	AuthorRole      AuthorRole
	AuthorID        int64
	AuthorName      string
	Text            string
	ClientMessageID string
	// ExternalID is the platform's id of a social message (R18).
	ExternalID string
	// IdentityID is the social identity it came from or goes to.
	IdentityID int64
	// DeliveryState is how far an agent's reply got, on a social channel
	// (R17) or in the widget (R31); empty for messages that need no
	// delivery.
	DeliveryState DeliveryState
	DeliveryError string
	// Note is what a SYSTEM message records, as data (R27).
	Note *Note
	// Choices are the reply choices an agent's message offers, shown in
	// Form on its channel (R32).
	Choices []Choice
	Form    ChoiceForm
	// ChoiceID is, on an end user's message, the id of the choice it
	// answers: tapped, or typed as its number.
	ChoiceID string
	// Template is the WhatsApp template an agent's message sends (R33);
	// Text is how it reads.
	Template *SentTemplate
	// Attachments are the files it carries, in order (R30).
	Attachments []Attachment
	// Location is a place an end user shared (R30).
	Location  *Location
	CreatedAt time.Time
}

// SentTemplate is a WhatsApp template as a message sends it (R33).
type SentTemplate struct {
	Name       string
	Language   string
	Parameters []string
}

// Delivers reports whether m is an outbound message that needs a delivery
// job: queued, or held until its window opens again (R33).
func (m *Message) Delivers() bool {
	return m.DeliveryState == DeliveryQueued || m.DeliveryState == DeliveryHeld
}

// Page selects a window of an ordered list: the First items after position
// After (0: from the start), or the Last items before position Before (0:
// from the end).
type Page struct {
	First  int
	After  int64
	Last   int
	Before int64
}

// Filter narrows the agents' conversation list.
type Filter struct {
	Status       Status
	Channel      Channel
	UpdatedSince *time.Time
	// Assignee narrows the list to the caller's conversations or to the
	// unassigned queue (R29); List sets AssigneeID for AssigneeMine.
	Assignee   AssigneeFilter
	AssigneeID int64
	// Search is the agent's search box (R29), as typed.
	Search string
	// Matching is Search parsed, set by List for the store.
	Matching *Search
}

// AssigneeFilter is whose conversations a list shows (R29).
type AssigneeFilter string

const (
	AssigneeMine       AssigneeFilter = "MINE"
	AssigneeUnassigned AssigneeFilter = "UNASSIGNED"
)

// Search is what an agent looks for (R29): conversations with a message
// holding all of Words, or whose end user's name or email, or a social
// identity's id or name, contains Text.
type Search struct {
	Text  string
	Words []string
	// Number is Text's digits when Text is written as a phone number
	// ("+30 691-234"), since WhatsApp identities are stored as bare digits.
	Number string
}

// maxSearch bounds a search, in characters.
const maxSearch = 200

// ParseSearch reads an agent's search box.
func ParseSearch(text string) (*Search, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxSearch || !utf8.ValidString(text) {
		return nil, apperr.Invalid("search", "must be 1 to 200 characters")
	}
	s := &Search{Text: text}
	// Words are what full-text indexes hold: letters and digits, so that
	// quotes or operators typed into the box match nothing special.
	s.Words = strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if strings.IndexFunc(text, func(r rune) bool { return !unicode.IsDigit(r) && !strings.ContainsRune("+-() ", r) }) < 0 {
		s.Number = strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return r
			}
			return -1
		}, text)
	}
	return s, nil
}

// DeliveryState is how far an outbound message got (R17); package delivery
// decides how states may move.
type DeliveryState string

const (
	DeliveryQueued    DeliveryState = "QUEUED"
	DeliverySent      DeliveryState = "SENT"
	DeliveryDelivered DeliveryState = "DELIVERED"
	DeliveryRead      DeliveryState = "READ"
	DeliveryFailed    DeliveryState = "FAILED"
	// DeliveryHeld: written while the channel's window was closed, the
	// reply waits for the end user to write again (R33).
	DeliveryHeld DeliveryState = "HELD"
)
