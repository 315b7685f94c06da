package sandbox

import (
	"context"
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// serveProfile answers a user-profile read of a phone, GET
// /{version}/{user}?fields=…: Messenger's User Profile API (first_name,
// last_name, profile_pic) or Instagram's (name, username, profile_pic).
// The token names the business but not its channel, so the fields asked
// for tell which: only Messenger's has first and last names. A user whose
// phone never wrote is unknown, as a PSID that never wrote to the Page is
// to Meta.
func (s *Sandbox) serveProfile(ctx context.Context, business, user string, query url.Values) (int, any) {
	fields := strings.Split(query.Get("fields"), ",")
	ch := conversation.ChannelInstagram
	if slices.Contains(fields, "first_name") || slices.Contains(fields, "last_name") {
		ch = conversation.ChannelMessenger
	}
	it, err := s.integrations.SandboxByBusiness(ctx, ch, business)
	if apperr.CodeOf(err) == apperr.NotFound {
		return unknownObject(business)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "sandbox: integration lookup failed", "channel", ch, "business", business, "err", err)
		return graphError(http.StatusServiceUnavailable, 2, 0, "Service temporarily unavailable")
	}
	name, ok := s.profileName(keyOf(it, user))
	if !ok {
		return unknownObject(user)
	}
	first, last, _ := strings.Cut(name, " ")
	answer := map[string]string{"id": user}
	for _, f := range fields {
		switch f {
		case "first_name":
			answer[f] = first
		case "last_name":
			answer[f] = last
		case "name":
			answer[f] = name
		case "username":
			answer[f] = username(name)
		case "profile_pic":
			answer[f] = picture(name)
		default:
			return graphError(http.StatusBadRequest, 100, 0, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s)", f))
		}
	}
	return http.StatusOK, answer
}

// profileName counts a profile read of k's phone and returns the name its
// profile shows: the one it wrote under, or else one made up from its
// user id, the same every time. ok is false when k has no phone.
func (s *Sandbox) profileName(k phoneKey) (name string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[k]
	if p == nil {
		return "", false
	}
	p.profileReads++
	s.changed(p)
	if p.name != "" {
		return p.name, true
	}
	return madeUpName(k.user), true
}

// Names for phones that never gave one: plain ASCII, so that usernames
// follow from them.
var (
	firstNames = []string{"Ana", "Bruno", "Chloe", "Dmitri", "Elif", "Farah", "Giulia", "Hiro", "Ines", "Jonas", "Kwame", "Lena"}
	lastNames  = []string{"Pereira", "Okafor", "Nakamura", "Rossi", "Schmidt", "Haddad", "Novak", "Garcia", "Kowalski", "Dubois", "Yilmaz", "Larsen"}
)

func madeUpName(user string) string {
	h := fnv.New32a()
	h.Write([]byte(user))
	n := int(h.Sum32())
	return firstNames[n%len(firstNames)] + " " + lastNames[n/len(firstNames)%len(lastNames)]
}

// username is an Instagram username made of name: "Ana Pereira" is
// ana.pereira.
func username(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '.'
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_':
			return r
		}
		return -1
	}, strings.ToLower(name))
}

// picture is a profile picture of the name's initials, as a data URL: it
// shows in any page with no server behind it.
func picture(name string) string {
	var initials string
	if words := strings.Fields(name); len(words) > 0 {
		initials = string([]rune(words[0])[:1])
		if len(words) > 1 {
			initials += string([]rune(words[len(words)-1])[:1])
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96">`+
		`<rect width="96" height="96" fill="hsl(%d,45%%,45%%)"/>`+
		`<text x="48" y="60" font-family="sans-serif" font-size="36" fill="#fff" text-anchor="middle">%s</text></svg>`,
		h.Sum32()%360, html.EscapeString(strings.ToUpper(initials)))
	return "data:image/svg+xml," + url.PathEscape(svg)
}
