package attachment

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// R30: file names are safe to show and to save.
func TestCleanName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\photo.jpg`, "photo.jpg"},
		{"", "file"},
		{"..", "file"},
		{"a\x00b\nc.txt", "a_b_c.txt"},
		{"invoice\u202Efdp.exe", "invoice_fdp.exe"},
		{`quote".html`, "quote_.html"},
		{"φωτογραφία.png", "φωτογραφία.png"},
		{"  .hidden ", "hidden"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{strings.Repeat("α", 300) + ".pdf", strings.Repeat("α", 98) + ".pdf"},
	} {
		in, want := tc.in, tc.want
		got := CleanName(in)
		if got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
		if !utf8.ValidString(got) || len(got) > maxNameBytes {
			t.Errorf("CleanName(%q) = %q: not valid or too long", in, got)
		}
	}
}

// R30: never served as active content.
func TestInline(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"image/png": true, "image/jpeg": true, "video/mp4": true, "audio/mpeg": true, "IMAGE/PNG; x=y": true,
		"text/html; charset=utf-8": false, "image/svg+xml": false, "application/pdf": false,
		"text/plain; charset=utf-8": false, "application/octet-stream": false, "": false,
	} {
		if got := Inline(ct); got != want {
			t.Errorf("Inline(%q) = %v", ct, got)
		}
	}
}

// R30: download URLs are signed, scoped to one conversation, short-lived.
func TestSigner(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	s := NewSigner([]byte("key"), func() time.Time { return now })
	tk := Ticket{AccountID: 1, ConversationID: 2, AttachmentID: 3, Expires: now.Add(time.Minute)}
	token := s.Sign(tk)
	if got, err := s.Check(token); err != nil || got != tk {
		t.Fatalf("Check = %+v, %v", got, err)
	}
	parts := strings.Split(token, ".")
	for name, bad := range map[string]string{
		"other conversation": strings.Join([]string{parts[0], "9", parts[2], parts[3], parts[4]}, "."),
		"other attachment":   strings.Join([]string{parts[0], parts[1], "9", parts[3], parts[4]}, "."),
		"longer life":        strings.Join([]string{parts[0], parts[1], parts[2], "1900000000", parts[4]}, "."),
		"other key":          NewSigner([]byte("other"), time.Now).Sign(tk),
		"truncated":          token[:len(token)-2],
		"garbage":            "x",
		"empty":              "",
	} {
		if _, err := s.Check(bad); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	now = now.Add(time.Minute)
	if _, err := s.Check(token); !errors.Is(err, ErrBadSignature) {
		t.Errorf("expired: %v", err)
	}
}
