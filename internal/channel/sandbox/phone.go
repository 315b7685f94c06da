package sandbox

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// phoneKey names a phone: one end user of one sandbox integration.
type phoneKey struct {
	channel  conversation.Channel
	business string
	user     string
}

func keyOf(it Integration, user string) phoneKey {
	return phoneKey{channel: it.Channel, business: it.BusinessID, user: user}
}

// phone is an end user's app: the thread with the business.
type phone struct {
	// name is the profile name, once the user gave one: WhatsApp's
	// webhooks carry it, Messenger's and Instagram's user profiles show
	// it.
	name   string
	thread []line
	// profileReads counts the business's reads of the user's profile.
	profileReads int
	// typingUntil is when the business's typing indicator goes away
	// (R31); a message from the business ends it at once.
	typingUntil time.Time
	// signals are the typing and read signals the business sent, oldest
	// first, as the fake Graph API took them.
	signals []string
	// version counts the changes to what the phone shows, so that a page
	// showing it can wait for the next one (see wait).
	version uint64
}

// maxThread bounds a phone's memory; older lines are forgotten.
const maxThread = 500

// Who wrote a line.
const (
	fromBusiness = "business"
	fromUser     = "user"
)

// line is one message of a thread, as the channel's app shows it.
type line struct {
	ID      string   `json:"id"`
	From    string   `json:"from"`
	Text    string   `json:"text"`
	Choices []choice `json:"choices,omitempty"`
	// Form is how the business's message offered its choices, as the app
	// draws them: buttons, a list behind Menu, or quick replies.
	Form string `json:"form,omitempty"`
	Menu string `json:"menu,omitempty"`
	// Media is the file the business sent, or the file or place the
	// user sent.
	Media *media `json:"media,omitempty"`
	// Template names the template a business message was sent from.
	Template string    `json:"template,omitempty"`
	Time     time.Time `json:"time"`
	// Read is set on the business's messages the user has read.
	Read bool `json:"read,omitempty"`
	// State is the delivery of the user's messages, the app's ticks:
	// sent, then delivered when the business's webhook route took it, or
	// failed when it refused it.
	State string `json:"state,omitempty"`
}

// The states of the user's messages.
const (
	stateSent      = "sent"
	stateDelivered = "delivered"
	// stateRead: the business marked the message read (R31).
	stateRead   = "read"
	stateFailed = "failed"
)

// choice is a reply choice: a WhatsApp reply button, a quick reply.
type choice struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// reply is a tapped choice and the prompt that offered it.
type reply struct {
	prompt string
	choice choice
	// list: the choice is a list's row, not a button.
	list bool
}

// idPrefix starts message ids as the channel's do: wamids, mids.
func idPrefix(ch conversation.Channel) string {
	if ch == conversation.ChannelWhatsApp {
		return "wamid."
	}
	return "m_"
}

// add appends l to the thread of k's phone, which first use creates, and
// remembers name when one is given. It returns the name the phone writes
// with: a phone never named shows its user id.
func (s *Sandbox) add(k phoneKey, l line, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.open(k)
	p.thread = append(p.thread, l)
	if l.From == fromBusiness {
		p.typingUntil = time.Time{}
	}
	if n := len(p.thread) - maxThread; n > 0 {
		p.thread = slices.Delete(p.thread, 0, n)
	}
	if name != "" {
		p.name = name
	}
	s.changed(p)
	return cmp.Or(p.name, k.user)
}

// settle sets the state of the user's message id on k's phone.
func (s *Sandbox) settle(k phoneKey, id, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[k]
	if p == nil {
		return
	}
	if i := slices.IndexFunc(p.thread, func(l line) bool { return l.ID == id }); i >= 0 {
		p.thread[i].State = state
		s.changed(p)
	}
}

// changed counts a change of p and wakes those waiting for one; s.mu is
// held.
func (s *Sandbox) changed(p *phone) {
	p.version++
	close(s.change)
	s.change = make(chan struct{})
}

// wait returns once the version of k's phone is no longer after, ctx
// ends, the sandbox closes or d has passed. A page follows a phone by
// asking again with the version it last showed: one request open per
// page, answered as soon as there is something new.
func (s *Sandbox) wait(ctx context.Context, k phoneKey, after uint64, d time.Duration) {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		var version uint64
		if p := s.phones[k]; p != nil {
			version = p.version
		}
		change := s.change
		s.mu.Unlock()
		if version != after {
			return
		}
		select {
		case <-change:
		case <-ctx.Done():
			return
		case <-s.background.Done():
			return
		case <-timeout.C:
			return
		}
	}
}

// open returns k's phone, which first use creates; s.mu is held.
func (s *Sandbox) open(k phoneKey) *phone {
	p := s.phones[k]
	if p == nil {
		p = &phone{}
		s.phones[k] = p
		s.changed(p)
	}
	return p
}

// opened records that k's phone opened a chat with the business, which
// then knows the user (a PSID or IGSID) even before a message.
func (s *Sandbox) opened(k phoneKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open(k)
}

// offered finds the latest prompt of k's thread with the choice id.
func (s *Sandbox) offered(k phoneKey, id string) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[k]
	if p == nil {
		return reply{}, false
	}
	for _, l := range slices.Backward(p.thread) {
		if l.From != fromBusiness {
			continue
		}
		if i := slices.IndexFunc(l.Choices, func(c choice) bool { return c.ID == id }); i >= 0 {
			return reply{prompt: l.ID, choice: l.Choices[i], list: l.Form == formList}, true
		}
	}
	return reply{}, false
}

// markRead marks the business's unread messages read and returns their
// ids, oldest first.
func (s *Sandbox) markRead(k phoneKey) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[k]
	if p == nil {
		return nil
	}
	var ids []string
	for i := range p.thread {
		if l := &p.thread[i]; l.From == fromBusiness && !l.Read {
			l.Read = true
			ids = append(ids, l.ID)
		}
	}
	if len(ids) > 0 {
		s.changed(p)
	}
	return ids
}

// view returns a copy of k's phone.
func (s *Sandbox) view(k phoneKey) phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[k]
	if p == nil {
		return phone{thread: []line{}}
	}
	return phone{name: p.name, thread: slices.Clone(p.thread), profileReads: p.profileReads, version: p.version,
		typingUntil: p.typingUntil, signals: slices.Clone(p.signals)}
}
