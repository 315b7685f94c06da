package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/linkline/linkline/internal/conversation"
)

// signal is a send that carries no message (R31): a Messenger or
// Instagram sender action, or a WhatsApp read receipt with a typing
// indicator or not.
type signal struct {
	// user is the recipient (Messenger, Instagram); WhatsApp names a
	// message instead.
	user      string
	messageID string
	// status is a WhatsApp receipt's status, which must be "read".
	status string
	// name is what the phone records: a sender action (typing_on,
	// typing_off, mark_seen), or read or typing_indicator.
	name string
}

// The names of signals.
const (
	signalTypingOn  = "typing_on"
	signalTypingOff = "typing_off"
	signalMarkSeen  = "mark_seen"
	signalRead      = "read"
	signalTypingInd = "typing_indicator"
)

// typingShows is how long the apps show the business typing: about 20
// seconds on Messenger and Instagram, up to 25 on WhatsApp, or until the
// next message.
const typingShows = 20 * time.Second

// maxSignals bounds the signals a phone remembers.
const maxSignals = 50

// readSignal tells whether raw is a signal, and reads it.
func readSignal(ch conversation.Channel, raw []byte) (signal, bool) {
	var req struct {
		Recipient       mpID            `json:"recipient"`
		SenderAction    string          `json:"sender_action"`
		Status          string          `json:"status"`
		MessageID       string          `json:"message_id"`
		TypingIndicator json.RawMessage `json:"typing_indicator"`
	}
	if json.Unmarshal(raw, &req) != nil {
		return signal{}, false
	}
	if ch == conversation.ChannelWhatsApp {
		if req.Status == "" {
			return signal{}, false
		}
		sig := signal{messageID: req.MessageID, status: req.Status, name: signalRead}
		if req.TypingIndicator != nil {
			sig.name = signalTypingInd
		}
		return sig, true
	}
	if req.SenderAction == "" {
		return signal{}, false
	}
	return signal{user: req.Recipient.ID, name: req.SenderAction}, true
}

// serveSignal shows a signal on its phone and answers as Meta does: the
// recipient for a sender action, success for a read receipt.
func (s *Sandbox) serveSignal(it Integration, sig signal) (int, any) {
	if it.Channel == conversation.ChannelWhatsApp {
		if sig.status != signalRead || sig.messageID == "" || !s.signalled(it, sig) {
			return graphError(http.StatusBadRequest, 100, 0, "(#100) Invalid parameter: message_id must name a message the user sent")
		}
		return http.StatusOK, map[string]bool{"success": true}
	}
	if sig.name != signalTypingOn && sig.name != signalTypingOff && sig.name != signalMarkSeen {
		return graphError(http.StatusBadRequest, 100, 0, "(#100) Invalid sender_action: "+sig.name)
	}
	if !validUser(sig.user) || !s.signalled(it, sig) {
		return graphError(http.StatusBadRequest, 100, 0, "(#100) No matching user found")
	}
	return http.StatusOK, map[string]string{"recipient_id": sig.user}
}

// signalled records sig on the phone it names, which must exist: the
// platforms show nothing to a user who never wrote. Typing shows until
// typingShows passes or a message arrives; a read receipt, or WhatsApp's
// typing indicator, marks the user's messages read up to the one named.
func (s *Sandbox) signalled(it Integration, sig signal) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[keyOf(it, sig.user)]
	if sig.messageID != "" {
		p = s.holding(it, sig.messageID)
	}
	if p == nil {
		return false
	}
	switch sig.name {
	case signalTypingOn, signalTypingInd:
		p.typingUntil = s.now().Add(typingShows)
	case signalTypingOff:
		p.typingUntil = time.Time{}
	}
	if sig.name != signalTypingOn && sig.name != signalTypingOff {
		last := len(p.thread) - 1
		if sig.messageID != "" {
			last = slices.IndexFunc(p.thread, func(l line) bool { return l.ID == sig.messageID })
		}
		for i := range p.thread[:last+1] {
			if l := &p.thread[i]; l.From == fromUser && l.State != stateFailed {
				l.State = stateRead
			}
		}
	}
	p.signals = append(p.signals, sig.name)
	if n := len(p.signals) - maxSignals; n > 0 {
		p.signals = slices.Delete(p.signals, 0, n)
	}
	s.changed(p)
	return true
}

// holding finds the phone of it whose thread holds the user's message id; s.mu
// is held.
func (s *Sandbox) holding(it Integration, id string) *phone {
	for k, p := range s.phones {
		if k.channel != it.Channel || k.business != it.BusinessID {
			continue
		}
		if slices.ContainsFunc(p.thread, func(l line) bool { return l.ID == id && l.From == fromUser }) {
			return p
		}
	}
	return nil
}
