package meta

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Entries checks that body is a webhook of object ("whatsapp_business_account",
// "page", "instagram") and returns its entries still raw, so that each is
// decoded on its own. An error means body is not such a webhook at all.
func Entries(body []byte, object string) ([]json.RawMessage, error) {
	var w struct {
		Object string            `json:"object"`
		Entry  []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("meta: not a webhook: %w", err)
	}
	if w.Object != object {
		return nil, fmt.Errorf("meta: webhook of object %q, want %q", w.Object, object)
	}
	return w.Entry, nil
}

// Items decodes each raw element into a T and drops those that do not
// decode: Meta batches up to 1,000 entries, and one odd element must not
// cost the others (R18).
func Items[T any](raws []json.RawMessage) []T {
	out := make([]T, 0, len(raws))
	for _, r := range raws {
		var v T
		if json.Unmarshal(r, &v) == nil {
			out = append(out, v)
		}
	}
	return out
}

// Timestamp is a time in a webhook. Meta writes them as unix seconds
// (WhatsApp, as strings) or milliseconds (Messenger and Instagram, as
// numbers, though their reference pages show strings too); all four read
// here. Anything else reads as the zero time rather than failing the
// payload.
type Timestamp struct{ time.Time }

// msThreshold tells milliseconds from seconds: 1e11 seconds is past the
// year 5000, 1e11 milliseconds is in 1973.
const msThreshold = 1e11

// UnmarshalJSON reads a Timestamp in any of its four forms.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || n <= 0:
		t.Time = time.Time{}
	case n >= msThreshold:
		t.Time = time.UnixMilli(n).UTC()
	default:
		t.Time = time.Unix(n, 0).UTC()
	}
	return nil
}
