package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
)

const (
	mediaPath = "/v21.0/106540352242922/media"
	mediaID   = "1037543291543636"
	uploaded  = `{"id":"` + mediaID + `"}`
	pdf       = "%PDF-1.7\n%%EOF\n"
)

func file(kind, name, ct string) channel.File {
	return channel.File{Name: name, ContentType: ct, Size: int64(len(pdf)), Kind: kind,
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(pdf)), nil }}
}

// checkUpload checks that r is the Cloud API's media upload of f.
func checkUpload(t *testing.T, r metatest.Request, f channel.File) {
	t.Helper()
	if r.Method != http.MethodPost || r.Path != mediaPath || r.Header.Get("Authorization") != "Bearer "+metatest.Token {
		t.Fatalf("upload: %s %s (Authorization %q)", r.Method, r.Path, r.Header.Get("Authorization"))
	}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		t.Fatalf("upload Content-Type %q", r.Header.Get("Content-Type"))
	}
	form, err := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := form.Value; len(got["messaging_product"]) != 1 || got["messaging_product"][0] != "whatsapp" || len(got["type"]) != 1 || got["type"][0] != f.ContentType {
		t.Errorf("upload fields %v", got)
	}
	fh := form.File["file"]
	if len(fh) != 1 || fh[0].Filename != f.Name || fh[0].Header.Get("Content-Type") != f.ContentType {
		t.Fatalf("upload file part %+v", fh)
	}
	body, _ := fh[0].Open()
	if b, _ := io.ReadAll(body); string(b) != pdf {
		t.Errorf("uploaded bytes %q", b)
	}
}

// R30: a file is uploaded, then sent by its media id, with the text as its
// caption where WhatsApp takes one and as a text message after it where
// not; R17: a failure is classified as for text, and a retry after the
// file went out sends only the text.
func TestSendMedia(t *testing.T) {
	s := metatest.NewScript(t)
	a := New(s.Config())
	ctx := context.Background()
	sent := func(id string) metatest.Answer {
		return metatest.Answer{Status: 200, Reply: `{"messaging_product":"whatsapp","messages":[{"id":"` + id + `"}]}`}
	}
	up := metatest.Answer{Status: 200, Reply: uploaded}

	t.Run("document with caption", func(t *testing.T) {
		doc := file("document", "invoice.pdf", "application/pdf")
		s.Answer(up, sent("wamid.doc"))
		got, err := a.SendMedia(ctx, creds, channel.Media{To: "5511987654321", Caption: "Your invoice", File: doc})
		rs := s.Requests()
		if err != nil || got.ExternalID != "wamid.doc" || len(rs) != 2 {
			t.Fatalf("sent %+v, %v after %d requests", got, err, len(rs))
		}
		checkUpload(t, rs[0], doc)
		if rs[1].Path != path || !metatest.SameJSON(t, rs[1].Body, "document.json") {
			t.Errorf("message %s %s", rs[1].Path, rs[1].Body)
		}
	})

	t.Run("audio, then its text", func(t *testing.T) {
		voice := file("audio", "note.ogg", "audio/ogg")
		s.Answer(up, sent("wamid.audio"), sent("wamid.text"))
		got, err := a.SendMedia(ctx, creds, channel.Media{To: "5511987654321", Caption: "The voice note, as promised", File: voice})
		rs := s.Requests()
		if err != nil || got.ExternalID != "wamid.text" || len(rs) != 3 {
			t.Fatalf("sent %+v, %v after %d requests", got, err, len(rs))
		}
		checkUpload(t, rs[0], voice)
		if !metatest.SameJSON(t, rs[1].Body, "audio.json") || !metatest.SameJSON(t, rs[2].Body, "audio_text.json") {
			t.Errorf("messages %s, %s", rs[1].Body, rs[2].Body)
		}
	})

	t.Run("caption too long, to a BSUID", func(t *testing.T) {
		long := strings.Repeat("é", MaxCaption+1)
		s.Answer(up, sent("wamid.image"), sent("wamid.text"))
		_, err := a.SendMedia(ctx, creds, channel.Media{To: "BR.1502576394655843", Caption: long, File: file("image", "map.png", "image/png")})
		rs := s.Requests()
		if err != nil || len(rs) != 3 || !metatest.SameJSON(t, rs[1].Body, "image_bsuid.json") || !bytes.Contains(rs[2].Body, []byte(long)) {
			t.Fatalf("%v after %d requests", err, len(rs))
		}
	})

	t.Run("the text fails after the file went out", func(t *testing.T) {
		voice := file("audio", "note.ogg", "audio/ogg")
		m := channel.Media{To: "5511987654321", Caption: "The voice note, as promised", File: voice}
		s.Answer(up, sent("wamid.audio"), metatest.Answer{Status: 500, Reply: `{"error":{"message":"(#131000) Something went wrong","code":131000}}`})
		_, err := a.SendMedia(ctx, creds, m)
		partly, ok := errors.AsType[*channel.PartlySent](err)
		if !ok || len(partly.Sent) != 1 || partly.Sent[0] != "wamid.audio" || meta.Classify(err).Kind != meta.Transient {
			t.Fatalf("error %v", err)
		}
		// The retry goes on from there: no upload, no second file.
		m.Sent = partly.Sent
		s.Answer(sent("wamid.text"))
		got, err := a.SendMedia(ctx, creds, m)
		rs := s.Requests()
		if err != nil || got.ExternalID != "wamid.text" || len(rs) != 1 || !metatest.SameJSON(t, rs[0].Body, "audio_text.json") {
			t.Fatalf("retry: %+v, %v, %d requests", got, err, len(rs))
		}
	})

	for _, tc := range []struct {
		name   string
		answer metatest.Answer
		kind   meta.Kind
	}{
		{"upload refused", metatest.Answer{Status: 400, Reply: `{"error":{"message":"(#131053) Media upload error","type":"OAuthException","code":131053,` +
			`"error_data":{"messaging_product":"whatsapp","details":"Unsupported file type"},"fbtrace_id":"AbC6"}}`}, meta.Permanent},
		{"upload failed", metatest.Answer{Status: 500, Reply: `{"error":{"message":"(#2) Service temporarily unavailable","code":2}}`}, meta.Transient},
		{"no media id", metatest.Answer{Status: 200, Reply: `{}`}, meta.Permanent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Answer(tc.answer)
			_, err := a.SendMedia(ctx, creds, channel.Media{To: "5511987654321", Caption: "x", File: file("document", "a.pdf", "application/pdf")})
			if err == nil || meta.Classify(err).Kind != tc.kind {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
			if _, ok := errors.AsType[*channel.PartlySent](err); ok || len(s.Requests()) != 1 {
				t.Fatalf("after a failed upload: %v, %d requests", err, len(s.Requests()))
			}
		})
	}

	t.Run("a kind WhatsApp does not send", func(t *testing.T) {
		s.Answer()
		_, err := a.SendMedia(ctx, creds, channel.Media{To: "5511987654321", File: file("file", "a.bin", "application/octet-stream")})
		if err == nil || meta.Classify(err).Kind != meta.Permanent || len(s.Requests()) != 0 {
			t.Fatalf("error %v, %d requests", err, len(s.Requests()))
		}
	})
}
