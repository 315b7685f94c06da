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
