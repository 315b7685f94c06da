package linking

import (
	"fmt"
	"slices"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
)

// Language is a language of the message catalog: what linking says on a
// channel is said in one (R27).
type Language string

const (
	English Language = "en"
	Greek   Language = "el"
)

// TextID names a text linking sends on a channel.
type TextID int

const (
	// TextConfirmPrompt asks the end user to confirm a link (R6).
	TextConfirmPrompt TextID = iota
	// TextChoiceYes and TextChoiceNo are the prompt's reply buttons: at
	// most 20 characters, WhatsApp's limit for a button title.
	TextChoiceYes
	TextChoiceNo
	TextLinkExpired
	TextLinkUsed
	TextLinkCancelled
	TextLinkUnknown
	// TextLinkGone answers a confirmation whose request is gone.
	TextLinkGone
	TextDeclined
	TextLinked
	// TextLinkEndedByAdmin tells a channel that an admin setting ended its
	// link (R3).
	TextLinkEndedByAdmin
	// TextDeepLinkPrefill is what a WhatsApp deep link types for the end
	// user; its one argument is the token.
	TextDeepLinkPrefill
	// TextUnreadFallback carries a widget reply nobody read in time to a
	// linked channel (R33); its one argument is the reply.
	TextUnreadFallback

	textCount // keep last: the tests check every language has every text
)

// catalog holds every language's texts, one file per language.
var catalog = map[Language]map[TextID]string{
	English: english,
	Greek:   greek,
}

// Text is the text id in lang, formatted with args when there are any.
// A language or text the catalog lacks falls back to English.
func Text(lang Language, id TextID, args ...any) string {
	s, ok := catalog[lang][id]
	if !ok {
		s = english[id]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Supported lists the catalog's languages.
func Supported() []Language {
	out := make([]Language, 0, len(catalog))
	for l := range catalog {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Match returns the catalog language a requested tag asks for: its primary
// subtag, whatever the case ("el-GR", "EL", "el_gr" are Greek). It reports
// false when the catalog lacks that language.
func Match(tag string) (Language, bool) {
	base, _, _ := strings.Cut(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"), "-")
	l := Language(strings.ToLower(base))
	_, ok := catalog[l]
	return l, ok
}

// Choose returns the language of the first tag the catalog has, English
// when none: a conversation's own language, then its widget's.
func Choose(tags ...string) Language {
	for _, tag := range tags {
		if l, ok := Match(tag); ok {
			return l
		}
	}
	return English
}

// ParseLanguage is the catalog language of tag, or BAD_USER_INPUT naming
// the supported ones: a setting must say something the catalog can speak.
func ParseLanguage(tag string) (Language, error) {
	if l, ok := Match(tag); ok {
		return l, nil
	}
	names := make([]string, 0, len(catalog))
	for _, l := range Supported() {
		names = append(names, string(l))
	}
	return "", apperr.Invalid("language", "%q is not supported: use one of %s", tag, strings.Join(names, ", "))
}
