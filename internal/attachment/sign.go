package attachment

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Ticket is what a signed download URL grants: one attachment of one
// conversation, until it expires.
type Ticket struct {
	AccountID      int64
	ConversationID int64
	AttachmentID   int64
	Expires        time.Time
}

// ErrBadSignature is a download URL that was not signed by us, was
// altered, or has expired: all answered alike.
var ErrBadSignature = errors.New("attachment: bad or expired signature")

// Signer signs and checks download URLs. Whoever holds a URL may fetch the
// file until it expires, so URLs are handed out only to the conversation's
// readers, and live minutes, not days.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer with key, which every instance serving the
// same files must share.
func NewSigner(key []byte, now func() time.Time) *Signer {
	return &Signer{key: key, now: now}
}

// Sign returns a token granting t: its fields and their signature, safe
// in a URL path.
func (s *Signer) Sign(t Ticket) string {
	return fmt.Sprintf("%d.%d.%d.%d.%s", t.AccountID, t.ConversationID, t.AttachmentID, t.Expires.Unix(),
		base64.RawURLEncoding.EncodeToString(s.mac(t)))
}

// Check returns the ticket a token grants, or ErrBadSignature unless we
// signed it and it has not expired.
func (s *Signer) Check(token string) (Ticket, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 5 {
		return Ticket{}, ErrBadSignature
	}
	var n [4]int64
	for i := range n {
		v, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil || v <= 0 {
			return Ticket{}, ErrBadSignature
		}
		n[i] = v
	}
	t := Ticket{AccountID: n[0], ConversationID: n[1], AttachmentID: n[2], Expires: time.Unix(n[3], 0)}
	got, err := base64.RawURLEncoding.DecodeString(parts[4])
	if err != nil || !hmac.Equal(got, s.mac(t)) || !s.now().Before(t.Expires) {
		return Ticket{}, ErrBadSignature
	}
	return t, nil
}

func (s *Signer) mac(t Ticket) []byte {
	m := hmac.New(sha256.New, s.key)
	// Fixed-width fields: no two tickets encode alike.
	var b [32]byte
	binary.BigEndian.PutUint64(b[0:], uint64(t.AccountID))
	binary.BigEndian.PutUint64(b[8:], uint64(t.ConversationID))
	binary.BigEndian.PutUint64(b[16:], uint64(t.AttachmentID))
	binary.BigEndian.PutUint64(b[24:], uint64(t.Expires.Unix()))
	m.Write([]byte("linkline attachment\x00"))
	m.Write(b[:])
	return m.Sum(nil)
}
