package conversation

import (
	"slices"
	"strings"
	"testing"
)

// R29: a search box's text becomes the words a full-text index holds, and
// a number when it is written as one.
func TestParseSearch(t *testing.T) {
	for _, tc := range []struct {
		in     string
		words  []string
		number string
	}{
		{"  parcel broken ", []string{"parcel", "broken"}, ""},
		{`"parcel" OR NEAR(box`, []string{"parcel", "OR", "NEAR", "box"}, ""},
		{"Το δέμα-μου", []string{"Το", "δέμα", "μου"}, ""},
		{"+30 (691) 234-5678", []string{"30", "691", "234", "5678"}, "306912345678"},
		{"nikos@example.gr", []string{"nikos", "example", "gr"}, ""},
		{"%_", nil, ""},
	} {
		s, err := ParseSearch(tc.in)
		if err != nil || !slices.Equal(s.Words, tc.words) || s.Number != tc.number || s.Text != strings.TrimSpace(tc.in) {
			t.Errorf("ParseSearch(%q) = %+v, %v", tc.in, s, err)
		}
	}
	for _, bad := range []string{"", " \n", strings.Repeat("é", 201), "\xff"} {
		if _, err := ParseSearch(bad); err == nil {
			t.Errorf("ParseSearch(%q) accepted", bad)
		}
	}
}
