package conversation

import (
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/apperr"
)

// R23: what no channel can carry is refused before anything is written.
func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"Γειά 👋\nσ\t!", true},
		{strings.Repeat("é", 10), true},
		{strings.Repeat("é", 11), false},
		{"", false},
		{"a\x00b", false},
		{"a\x1bb", false},
		{"a\x7fb", false},
		{"caf\xe9", false},
	} {
		err := checkText("text", tc.text, 10, false)
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v", tc.text, err)
		}
		if err != nil && apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%q: code %s", tc.text, apperr.CodeOf(err))
		}
	}
}

// R18: client message ids are short, printable idempotency keys.
func TestClientMessageID(t *testing.T) {
	for id, ok := range map[string]bool{
		"550e8400-e29b-41d4-a716-446655440000": true,
		"msg_1.2:3":                            true,
		"":                                     false,
		strings.Repeat("a", 65):                false,
		"with space":                           false,
		"ünï":                                  false,
	} {
		if err := CheckClientMessageID(id); (err == nil) != ok {
			t.Errorf("%q: %v", id, err)
		}
	}
}

// R27: a start may carry the browser's language tag; what cannot be a tag
// is refused, an unknown language is not (it follows the widget's).
func TestCheckLanguageTag(t *testing.T) {
	for tag, ok := range map[string]bool{
		"":                      true,
		"el-GR":                 true,
		"en_US":                 true,
		"zh-Hant-TW":            true,
		"fr":                    true,
		strings.Repeat("a", 36): false,
		"el GR":                 false,
		"ελ":                    false,
		"en;q=0.9":              false,
	} {
		err := checkLanguageTag(tag)
		if (err == nil) != ok {
			t.Errorf("%q: %v", tag, err)
		}
		if e, isCoded := apperr.As(err); err != nil && (!isCoded || e.Field != "language") {
			t.Errorf("%q: %v", tag, err)
		}
	}
}
