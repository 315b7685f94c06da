package conversation

import (
	"testing"

	"github.com/linkline/linkline/internal/apperr"
)

// R30: a message carries at most MaxAttachments files, each once.
func TestCheckAttachmentIDs(t *testing.T) {
	ten := make([]int64, MaxAttachments)
	for i := range ten {
		ten[i] = int64(i + 1)
	}
	for _, tc := range []struct {
		name string
		ids  []int64
		ok   bool
	}{
		{"none", nil, true},
		{"ten", ten, true},
		{"eleven", append(ten[:MaxAttachments:MaxAttachments], 11), false},
		{"one twice", []int64{4, 7, 4}, false},
	} {
		err := checkAttachmentIDs(tc.ids)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if e, coded := apperr.As(err); err != nil && (!coded || e.Code != apperr.BadUserInput || e.Field != "attachmentIds") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// R30: files may be all a message says; without them, text is needed.
func TestCheckSendWithFiles(t *testing.T) {
	s := &Service{cfg: DefaultConfig}
	for _, tc := range []struct {
		name string
		in   SendInput
		ok   bool
	}{
		{"text", SendInput{Text: "hi", ClientMessageID: "c"}, true},
		{"no text", SendInput{ClientMessageID: "c"}, false},
		{"blank text", SendInput{Text: " \n", ClientMessageID: "c"}, false},
		{"a file and no text", SendInput{ClientMessageID: "c", AttachmentIDs: []int64{1}}, true},
		{"a file and bad text", SendInput{Text: "a\x00", ClientMessageID: "c", AttachmentIDs: []int64{1}}, false},
	} {
		if err := s.checkSend(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// R30: what a file is follows its sniffed type.
func TestKindOf(t *testing.T) {
	for ct, want := range map[string]AttachmentKind{
		"image/png": KindImage, "IMAGE/JPEG": KindImage, "video/mp4": KindVideo, "audio/ogg; codecs=opus": KindAudio,
		"application/pdf": KindDocument, "": KindDocument, "text/plain; charset=utf-8": KindDocument,
	} {
		if got := KindOf(ct); got != want {
			t.Errorf("%q: %s, want %s", ct, got, want)
		}
	}
}
