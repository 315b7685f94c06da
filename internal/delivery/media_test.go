package delivery

import (
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// R30: each attachment is checked against what its destination carries,
// before anything is queued, and a refusal says what would work instead.
func TestCheckAttachment(t *testing.T) {
	t.Parallel()
	const (
		wa = conversation.ChannelWhatsApp
		fb = conversation.ChannelMessenger
		ig = conversation.ChannelInstagram
		ww = conversation.ChannelWebWidget
	)
	file := func(ct, name string, size int64) *conversation.Attachment {
		return &conversation.Attachment{ContentType: ct, Name: name, Size: size}
	}
	png := func(size int64) *conversation.Attachment { return file("image/png", "photo.png", size) }
	docx := file("application/zip", "offer.docx", 40<<10)
	pdf := file("application/pdf", "invoice.pdf", 2*mb)
	for _, tc := range []struct {
		name string
		ch   conversation.Channel
		a    *conversation.Attachment
		// maxBytes is the limit a refusal names (0: the type is not
		// carried at all), or -1 when carried.
		maxBytes int64
		says     string
	}{
		{"image to WhatsApp", wa, png(4 * mb), -1, ""},
		{"10 MB image to WhatsApp", wa, png(10 * mb), 5 * mb, "up to 5 MB"},
		{"GIF to WhatsApp", wa, file("image/gif", "a.gif", 1000), 0, "image (image/jpeg, image/png) up to 5 MB"},
		{"docx to WhatsApp", wa, docx, -1, ""},
		{"PDF to WhatsApp", wa, pdf, -1, ""},
		{"docx to Instagram", ig, docx, 0, "file (application/pdf) up to 25 MB"},
		{"PDF to Instagram", ig, pdf, -1, ""},
		{"9 MB image to Instagram", ig, png(9 * mb), 8 * mb, "up to 8 MB"},
		{"7 MB image to Messenger", fb, png(7 * mb), -1, ""},
		{"9 MB image to Messenger, which fetches at most 8 MB by URL", fb, png(9 * mb), 8 * mb, "up to 8 MB"},
		{"docx to Messenger", fb, docx, -1, ""},
		{"30 MB video to Messenger", fb, file("video/mp4", "v.mp4", 30*mb), 25 * mb, "up to 25 MB"},
		{"200 MB file to the widget", ww, file("application/zip", "big.zip", 200*mb), -1, ""},
		{"text with charset to WhatsApp", wa, file("text/plain; charset=utf-8", "notes.txt", 10), -1, ""},
	} {
		err := CheckAttachment(tc.ch, tc.a)
		if tc.maxBytes < 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		ae, ok := apperr.As(err)
		if !ok || ae.Code != CodeNotCarried || !strings.Contains(ae.Message, tc.says) {
			t.Errorf("%s: %v, want %s saying %q", tc.name, err, CodeNotCarried, tc.says)
			continue
		}
		if got, _ := ae.Details["maxBytes"].(int64); got != tc.maxBytes || ae.Details["channel"] != string(tc.ch) || ae.Details["accepted"] == nil {
			t.Errorf("%s: details %v", tc.name, ae.Details)
		}
	}
}
