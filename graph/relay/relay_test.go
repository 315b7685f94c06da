package relay

import (
	"testing"

	"github.com/linkline/linkline/internal/apperr"
)

func TestIDsNameTheirType(t *testing.T) {
	gid := ID(TypeConversation, 42)
	if id, err := Decode(TypeConversation, gid); err != nil || id != 42 {
		t.Fatalf("round trip: %d %v", id, err)
	}
	// R20, R23: ids of another type, malformed or non-positive ids are
	// answered like unknown ones.
	for _, bad := range []string{ID(TypeMessage, 42), "", "%%%", "Q29udmVyc2F0aW9uOi0x" /* Conversation:-1 */, "Q29udmVyc2F0aW9uOng" /* Conversation:x */} {
		if _, err := Decode(TypeConversation, bad); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%q: got %v, want NOT_FOUND", bad, err)
		}
	}
}

func TestPagesAreBounded(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, tc := range []struct {
		in   *int
		want int
		ok   bool
	}{{nil, 20, true}, {n(1), 1, true}, {n(100), 100, true}, {n(0), 0, false}, {n(-1), 0, false}, {n(101), 0, false}} {
		got, err := PageSize("first", tc.in, 20)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("PageSize(%v) = %d, %v", tc.in, got, err)
		}
	}
	c := Cursor(9)
	if pos, err := ParseCursor("after", &c); err != nil || pos != 9 {
		t.Errorf("cursor round trip: %d %v", pos, err)
	}
	bad := "cDotMQ" // p:-1
	if _, err := ParseCursor("after", &bad); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("negative cursor: %v", err)
	}
}
