// Package relay encodes the opaque global ids and cursors of the GraphQL API
// (SPEC §4). Ids name their type, so an id of one type never resolves as
// another; a malformed id is answered like an unknown one.
package relay

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
)

// Node is any object with a global id; the generated code type-switches on
// the concrete domain types.
type Node any

// Type is the type part of a global id.
type Type string

const (
	TypeAccount      Type = "Account"
	TypeAgent        Type = "Agent"
	TypeEndUser      Type = "EndUser"
	TypeConversation Type = "Conversation"
	TypeMessage      Type = "Message"
	TypeIntegration  Type = "Integration"
	TypeWidget       Type = "Widget"
	TypeLinkRequest  Type = "LinkRequest"
	TypeAPIToken     Type = "ApiToken"
	TypeTemplate     Type = "MessageTemplate"
	TypeAttachment   Type = "Attachment"
)

// ID returns the global id of object id of type t.
func ID(t Type, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(t) + ":" + strconv.FormatInt(id, 10)))
}

// Parse returns the type and database id of a global id.
func Parse(gid string) (Type, int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", 0, false
	}
	t, n, ok := strings.Cut(string(raw), ":")
	id, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || id <= 0 {
		return "", 0, false
	}
	return Type(t), id, true
}

// Decode returns the database id of a global id of type t, or NOT_FOUND.
func Decode(t Type, gid string) (int64, error) {
	got, id, ok := Parse(gid)
	if !ok || got != t {
		return 0, apperr.NotFoundf(strings.ToLower(string(t)))
	}
	return id, nil
}

// DecodeList decodes ids of type t, NOT_FOUND at the first that is not one.
func DecodeList(t Type, gids []string) ([]int64, error) {
	if len(gids) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(gids))
	for i, gid := range gids {
		var err error
		if ids[i], err = Decode(t, gid); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// MaxPage is the most items one connection page returns (SPEC §4).
const MaxPage = 100

// Cursor encodes a position in an ordered list.
func Cursor(pos int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("p:" + strconv.FormatInt(pos, 10)))
}

// ParseCursor decodes a Cursor; nil is position 0.
func ParseCursor(field string, c *string) (int64, error) {
	if c == nil {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err == nil {
		if n, ok := strings.CutPrefix(string(raw), "p:"); ok {
			if pos, err := strconv.ParseInt(n, 10, 64); err == nil && pos > 0 {
				return pos, nil
			}
		}
	}
	return 0, apperr.Invalid(field, "is not a cursor of this list")
}

// PageSize checks a requested page size: nil gives def, and anything
// outside 1..MaxPage is BAD_USER_INPUT.
func PageSize(field string, n *int, def int) (int, error) {
	if n == nil {
		return def, nil
	}
	if *n < 1 || *n > MaxPage {
		return 0, apperr.Invalid(field, "must be between 1 and %d", MaxPage)
	}
	return *n, nil
}
