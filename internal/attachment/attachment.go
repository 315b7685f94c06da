// Package attachment holds the files that travel with messages (R30): their
// storage, addressed by content; what may be uploaded and by whom; and how
// they are served back, only through short-lived signed URLs scoped to a
// conversation, and never as active content.
package attachment

import (
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Attachment is a stored file in a conversation.
type Attachment struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	// SHA256 addresses the content in Files.
	SHA256      string
	Size        int64
	ContentType string
	// Name is the file name shown and offered when saving, cleaned
	// (CleanName).
	Name string
	// Width and Height are set for images.
	Width, Height int
	CreatedAt     time.Time
}

// maxNameBytes keeps names within every file system's 255-byte limit.
const maxNameBytes = 200

// CleanName makes a client's or a platform's file name safe to show and to
// offer for saving: the last path element only, no control or format
// characters (which can reverse how an extension reads), no characters
// that file systems or headers treat specially, at most 200 bytes of UTF-8,
// and never empty.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(strings.ToValidUTF8(name, ""))
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), strings.ContainsRune(`/:*?"<>|`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(strings.TrimSpace(b.String()), ".")
	for len(name) > maxNameBytes {
		// Keep the extension: it says what the file is.
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:len(name)-len(ext)]
		cut := maxNameBytes - len(ext)
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		name = stem[:cut] + ext
	}
	if name == "" {
		return "file"
	}
	return name
}

// inline are the types a browser may show in the page rather than save:
// pictures (only those whose size Files measures), sound and video, which
// it plays without running anything. HTML, SVG (scripts), PDF (a viewer
// with its own scripting) and everything else is served as a download.
var inline = map[string]bool{
	"image/gif": true, "image/jpeg": true, "image/png": true,
	"audio/aac": true, "audio/mpeg": true, "audio/mp4": true, "audio/ogg": true, "audio/wav": true, "audio/wave": true,
	"video/mp4": true, "video/ogg": true, "video/webm": true,
}

// Inline reports whether content of type ct may be shown inline.
func Inline(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	return inline[strings.ToLower(strings.TrimSpace(ct))]
}
