package conversation

import (
	"context"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/apperr"
)

// R32: offers no channel can show are refused before anything is stored.
func TestCheckChoices(t *testing.T) {
	many := make([]Choice, MaxChoices+1)
	for i := range many {
		many[i] = Choice{ID: strings.Repeat("i", i+1), Title: strings.Repeat("t", i+1)}
	}
	for name, tc := range map[string]struct {
		cs []Choice
		ok bool
	}{
		"none":            {nil, true},
		"two":             {[]Choice{{"yes", "Yes"}, {"no", "No"}}, true},
		"the most":        {many[:MaxChoices], true},
		"too many":        {many, false},
		"empty id":        {[]Choice{{"", "Yes"}}, false},
		"padded id":       {[]Choice{{" yes", "Yes"}}, false},
		"blank title":     {[]Choice{{"yes", "  "}}, false},
		"two-line title":  {[]Choice{{"yes", "Yes\nplease"}}, false},
		"long title":      {[]Choice{{"yes", strings.Repeat("y", maxChoiceTitle+1)}}, false},
		"long id":         {[]Choice{{strings.Repeat("y", maxChoiceID+1), "Yes"}}, false},
		"duplicate ids":   {[]Choice{{"a", "A"}, {"a", "B"}}, false},
		"equal titles":    {[]Choice{{"a", "Yes"}, {"b", " yes"}}, false},
		"control in text": {[]Choice{{"a", "Y\x00es"}}, false},
	} {
		err := CheckChoices(tc.cs)
		if tc.ok != (err == nil) || err != nil && apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// R32: the numbered fallback, and answers typed as a number.
func TestNumberedChoices(t *testing.T) {
	cs := []Choice{{"red", "Red"}, {"green", "Green"}, {"blue", "Blue"}}
	if got := Numbered("Which colour?", cs); got != "Which colour?\n\n1. Red\n2. Green\n3. Blue" {
		t.Errorf("numbered: %q", got)
	}
	for text, want := range map[string]string{
		"1": "red", " 2 ": "green", "3.": "blue", "4": "", "0": "", "-1": "", "2 please": "", "Green": "", "": "",
	} {
		if got := Chosen(text, cs); got != want {
			t.Errorf("Chosen(%q) = %q, want %q", text, got, want)
		}
	}
}

// offerStore is a Store whose conversations' latest offers are given.
type offerStore struct {
	Store
	offers map[int64]*Message
	reads  int
}

func (s *offerStore) LatestChoices(_ context.Context, _, conversationID int64) (*Message, error) {
	s.reads++
	if m, ok := s.offers[conversationID]; ok {
		return m, nil
	}
	return nil, apperr.NotFoundf("message")
}

// R32: an end user's message answers the conversation's latest offer by a
// tapped id of it or a typed number; other messages read no offer.
func TestChosen(t *testing.T) {
	st := &offerStore{offers: map[int64]*Message{1: {Choices: []Choice{{"a", "A"}, {"b", "B"}}}}}
	s := &Service{store: st}
	ctx := context.Background()
	for _, tc := range []struct {
		conv       int64
		text, tap  string
		want, code string
		reads      int
	}{
		{1, "hello", "", "", "", 0},
		{1, "2", "", "b", "", 1},
		{1, "3", "", "", "", 1},
		{1, "B", "b", "b", "", 1},
		{1, "C", "c", "", string(apperr.BadUserInput), 1},
		{2, "1", "", "", "", 1},
		{2, "A", "a", "", string(apperr.BadUserInput), 1},
	} {
		st.reads = 0
		got, err := s.chosen(ctx, 7, tc.conv, tc.text, tc.tap)
		if got != tc.want || string(apperr.CodeOf(err)) != tc.code && !(tc.code == "" && err == nil) || st.reads != tc.reads {
			t.Errorf("conversation %d, %q tapped %q: %q %v after %d reads", tc.conv, tc.text, tc.tap, got, err, st.reads)
		}
	}
}
