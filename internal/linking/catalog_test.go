package linking

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// R27: every language has every text, none empty, with the same arguments
// as the English one.
func TestCatalogIsComplete(t *testing.T) {
	if len(Supported()) < 2 {
		t.Fatalf("languages: %v", Supported())
	}
	for _, l := range Supported() {
		if len(catalog[l]) != int(textCount) {
			t.Errorf("%s has %d texts, want %d", l, len(catalog[l]), textCount)
		}
		for id := range textCount {
			s, ok := catalog[l][id]
			if !ok || strings.TrimSpace(s) == "" || !utf8.ValidString(s) {
				t.Errorf("%s: text %d is missing or empty", l, id)
				continue
			}
			if got, want := strings.Count(s, "%"), strings.Count(english[id], "%"); got != want {
				t.Errorf("%s: text %d has %d verbs, English %d: %q", l, id, got, want, s)
			}
		}
	}
}

// R27: the confirmation's choices fit WhatsApp's 20-character limit on
// reply button titles (Messenger's quick replies allow 20 too) in every
// language.
func TestChoiceTitlesFitButtons(t *testing.T) {
	for _, l := range Supported() {
		for _, id := range []TextID{TextChoiceYes, TextChoiceNo} {
			if s := Text(l, id); utf8.RuneCountInString(s) > 20 {
				t.Errorf("%s: %q is %d characters", l, s, utf8.RuneCountInString(s))
			}
		}
	}
}

// R27: texts are formatted, and what the catalog lacks falls back to
// English.
func TestText(t *testing.T) {
	if got := Text(Greek, TextChoiceNo); got != "Όχι" {
		t.Errorf("Greek no: %q", got)
	}
	if got := Text(English, TextDeepLinkPrefill, "ll-x"); got != "Continue my conversation: ll-x" {
		t.Errorf("English prefill: %q", got)
	}
	if got := Text(Greek, TextDeepLinkPrefill, "ll-x"); got != "Συνέχεια της συζήτησής μου: ll-x" {
		t.Errorf("Greek prefill: %q", got)
	}
	if got := Text("fr", TextChoiceYes); got != "Yes, continue here" {
		t.Errorf("unknown language: %q", got)
	}
}

// R27: a requested tag means its primary language, whatever its case or
// region; a language the catalog lacks gives way to the next source.
func TestLanguageResolution(t *testing.T) {
	for tag, want := range map[string]Language{
		"el": Greek, "el-GR": Greek, "EL": Greek, "el_gr": Greek,
		"en": English, "en-US": English, "en-GB": English,
		"fr": "", "": "", "-": "", "ell": "", "greek": "",
		" el-CY ": Greek, //nolint:gocritic // padded on purpose: tags are trimmed
	} {
		got, ok := Match(tag)
		if ok != (want != "") || ok && got != want {
			t.Errorf("Match(%q) = %q, %v; want %q", tag, got, ok, want)
		}
	}
	for _, tc := range []struct {
		conv, widget string
		want         Language
	}{
		{"el-GR", "en", Greek},
		{"", "el", Greek},
		{"fr-FR", "el", Greek},
		{"en-GB", "el", English},
		{"fr", "de", English},
		{"", "", English},
	} {
		if got := Choose(tc.conv, tc.widget); got != tc.want {
			t.Errorf("Choose(%q, %q) = %q, want %q", tc.conv, tc.widget, got, tc.want)
		}
	}
}

// R27: a setting must name a language of the catalog; the error says
// which field and which languages.
func TestParseLanguage(t *testing.T) {
	if l, err := ParseLanguage("El-gr"); err != nil || l != Greek {
		t.Errorf("El-gr: %q %v", l, err)
	}
	_, err := ParseLanguage("fr")
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.BadUserInput || e.Field != "language" || !strings.Contains(e.Message, "el, en") {
		t.Errorf("fr: %v", err)
	}
}

// R5, R27: the WhatsApp deep link types its token in the conversation's
// language; the token stays findable in it.
func TestDeepLinkLanguage(t *testing.T) {
	token := newToken()
	for _, l := range Supported() {
		link := DeepLink(conversation.ChannelWhatsApp, "15550100001", token, l)
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		in := &channel.Inbound{Kind: "text", Text: u.Query().Get("text")}
		if got, ok := TokenIn(in); !ok || got != token {
			t.Errorf("%s: token in %q: %q %v", l, in.Text, got, ok)
		}
		if !strings.HasPrefix(in.Text, Text(l, TextDeepLinkPrefill, "")) {
			t.Errorf("%s: prefilled %q", l, in.Text)
		}
	}
	if got := DeepLink(conversation.ChannelMessenger, "shop", token, Greek); got != "https://m.me/shop?ref="+token {
		t.Errorf("Messenger: %s", got)
	}
}
