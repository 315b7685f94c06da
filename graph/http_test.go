package graph

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// R23: JSON can smuggle invalid UTF-16 as escapes, which decoders turn
// into U+FFFD without a word: such bodies are refused.
func TestLoneSurrogates(t *testing.T) {
	for body, want := range map[string]bool{
		`{"t":"caf\u00e9"}`:           false,
		`{"t":"\ud83d\ude00"}`:        false, // a proper pair: 😀
		`{"t":"\ud83d"}`:              true,
		`{"t":"\ude00"}`:              true,
		`{"t":"\ud83d\u0041"}`:        true,
		`{"t":"\\ud800"}`:             false, // an escaped backslash, then text
		`{"t":"\\\ud800"}`:            true,
		`{"t":"\u12"}`:                false, // not an escape we judge: the parser will
		`{"t":"end\ud800`:             true,
		`{"t":"\uD83D\uDE00 \uDBFF"}`: true,
	} {
		if got := hasLoneSurrogate([]byte(body)); got != want {
			t.Errorf("%s: got %v, want %v", body, got, want)
		}
	}
}

func TestDepth(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `
		query { a { b { c } } d { ...F } }
		fragment F on T { e { ... on U { f { g } } } }`})
	if err != nil {
		t.Fatal(err)
	}
	if got := depth(doc.Operations[0].SelectionSet, doc.Fragments, 0, 10); got != 4 {
		t.Errorf("depth = %d, want 4", got)
	}
}

// R24: the client address behind trusted proxies is the last hop they did
// not add; otherwise it is the peer, whatever headers say.
func TestClientAddr(t *testing.T) {
	pl, err := parseProxies([]string{"10.0.0.0/8", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ peer, xff, want string }{
		{"198.51.100.1:1234", "203.0.113.9", "198.51.100.1"},
		{"10.1.2.3:1234", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:1234", "1.1.1.1, 203.0.113.9, 192.0.2.7", "203.0.113.9"},
		{"10.1.2.3:1234", "", "10.1.2.3"},
		{"10.1.2.3:1234", "garbage", "10.1.2.3"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := pl.clientAddr(r); got != tc.want {
			t.Errorf("peer %s, XFF %q: got %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	if _, err := parseProxies([]string{"not-an-ip"}); err == nil {
		t.Error("a bad proxy address was accepted")
	}
}
