package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linkline/linkline/graph"
	"github.com/linkline/linkline/internal/attachment/attachmenttest"
	"github.com/linkline/linkline/internal/auth"
)

// bothStorages runs a test on local disk and on S3-protocol storage: the
// test sets up its bundle with storage.
func bothStorages(t *testing.T, test func(t *testing.T, storage func(*Config))) {
	t.Run("local", func(t *testing.T) {
		test(t, func(*Config) {})
	})
	t.Run("s3", func(t *testing.T) {
		u := attachmenttest.S3(t)
		test(t, func(c *Config) { c.FilesURL = u })
	})
}

// uploadResult is the answer to an upload: the file, or an error.
type uploadResult struct {
	status int
	file   graph.Uploaded
	err    gqlResponse
}

// upload posts body to /uploads into the conversation with global id convID.
func (b *testBundle) upload(t *testing.T, token, convID, name string, body io.Reader) uploadResult {
	t.Helper()
	q := url.Values{"conversationId": {convID}, "name": {name}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.srv.URL+"/uploads?"+q.Encode(), body)
	if err != nil {
		t.Fatal(err)
	}
	// A client's claim is ignored: the type is sniffed.
	req.Header.Set("Content-Type", "image/png")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := uploadResult{status: resp.StatusCode}
	target := any(&out.err)
	if resp.StatusCode == http.StatusCreated {
		target = &out.file
	}
	if err := json.Unmarshal(raw, target); err != nil {
		t.Fatalf("upload: status %d, body %q: %v", resp.StatusCode, raw, err)
	}
	return out
}

// mustUpload uploads and fails the test unless it was taken.
func (b *testBundle) mustUpload(t *testing.T, token, convID, name string, body []byte) graph.Uploaded {
	t.Helper()
	r := b.upload(t, token, convID, name, bytes.NewReader(body))
	if r.status != http.StatusCreated {
		t.Fatalf("upload %q: %d %+v", name, r.status, r.err.Errors)
	}
	return r.file
}

// download fetches a file URL, which starts with the configured public URL,
// from the test server.
func (b *testBundle) download(t *testing.T, u string) (status int, header http.Header, body []byte) {
	t.Helper()
	path, ok := strings.CutPrefix(u, b.cfg.PublicURL)
	if !ok {
		t.Fatalf("file URL %q is not under %q", u, b.cfg.PublicURL)
	}
	resp, err := http.Get(b.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

const testPDF = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

func TestUploadAndDownload(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		bothStorages(t, func(t *testing.T, storage func(*Config)) {
			b := setup(t, kind, storage, func(c *Config) { c.Attachments.MaxBytes = 1 << 20 })
			c := b.start(t, b.widgetKey, "Ann")

			// R30: an end user uploads into their conversation; the
			// name is cleaned, the type sniffed from the bytes.
			doc := b.mustUpload(t, c.session, c.id, "../../secret/report.pdf", []byte(testPDF))
			if doc.Name != "report.pdf" || doc.ContentType != "application/pdf" || doc.Size != int64(len(testPDF)) || doc.ID == "" {
				t.Fatalf("uploaded %+v", doc)
			}
			// R30: its signed URL serves it as a download, never sniffed
			// into something else, never run.
			status, header, body := b.download(t, doc.URL)
			if status != http.StatusOK || string(body) != testPDF {
				t.Fatalf("download: %d %q", status, body)
			}
			for h, want := range map[string]string{
				"Content-Type":            "application/pdf",
				"Content-Disposition":     `attachment; filename=report.pdf`,
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'none'; sandbox",
			} {
				if got := header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}

			// R30: HTML (or SVG, sniffed as text) is never served inline.
			page := b.mustUpload(t, b.agent, c.id, "page.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
			_, header, _ = b.download(t, page.URL)
			if d := header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") || !strings.HasPrefix(page.ContentType, "text/html") {
				t.Errorf("html served as %q, %q", page.ContentType, d)
			}
			// An image shows inline, with its size measured.
			img := b.mustUpload(t, b.agent, c.id, "photo.png", attachmenttest.PNG(t, 64, 48))
			_, header, _ = b.download(t, img.URL)
			if d := header.Get("Content-Disposition"); d != `inline; filename=photo.png` || img.Width != 64 || img.Height != 48 {
				t.Errorf("image %+v served as %q", img, d)
			}

			// R30: the URL is scoped: changing what it names breaks the
			// signature.
			tampered := strings.Replace(doc.URL, "/files/", "/files/9", 1)
			if status, _, _ := b.download(t, tampered); status != http.StatusNotFound {
				t.Errorf("tampered URL: %d", status)
			}

			// R20: another end user, another account's agent, and no
			// token at all cannot upload into the conversation.
			other := b.start(t, b.widgetKey, "Bob")
			_, _, _, stranger := b.newAccount(t, "Other")
			for who, token := range map[string]string{"other end user": other.session, "other account": stranger} {
				if r := b.upload(t, token, c.id, "x.pdf", strings.NewReader(testPDF)); r.status != http.StatusNotFound || r.err.code() != "NOT_FOUND" {
					t.Errorf("%s: %d %+v", who, r.status, r.err.Errors)
				}
			}
			if r := b.upload(t, "", c.id, "x.pdf", strings.NewReader(testPDF)); r.status != http.StatusUnauthorized {
				t.Errorf("anonymous: %d %+v", r.status, r.err.Errors)
			}

			// R30: size is enforced while streaming, with or without a
			// declared length; a decompression bomb is refused by its
			// header.
			big := bytes.Repeat([]byte("x"), 1<<20+1)
			if r := b.upload(t, c.session, c.id, "big.txt", bytes.NewReader(big)); r.status != http.StatusRequestEntityTooLarge || r.err.code() != "REQUEST_TOO_LARGE" {
				t.Errorf("declared too large: %d %+v", r.status, r.err.Errors)
			}
			if r := b.upload(t, c.session, c.id, "big.txt", io.MultiReader(bytes.NewReader(big))); r.status != http.StatusRequestEntityTooLarge || r.err.code() != "REQUEST_TOO_LARGE" {
				t.Errorf("streamed too large: %d %+v", r.status, r.err.Errors)
			}
			if r := b.upload(t, c.session, c.id, "bomb.png", bytes.NewReader(attachmenttest.PNG(t, 60_000, 60_000))); r.status != http.StatusBadRequest || r.err.code() != "BAD_USER_INPUT" {
				t.Errorf("bomb: %d %+v", r.status, r.err.Errors)
			}
		})
	})
}

// R24: uploads are rate-limited per widget session; agents are not.
func TestUploadRateLimit(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind, func(c *Config) {
			c.Limits.UploadPerSession = auth.Rate{Events: 1, Per: time.Hour, Burst: 2}
		})
		c := b.start(t, b.widgetKey, "Ann")
		for range 2 {
			b.mustUpload(t, c.session, c.id, "a.pdf", []byte(testPDF))
		}
		r := b.upload(t, c.session, c.id, "a.pdf", strings.NewReader(testPDF))
		if r.status != http.StatusTooManyRequests || r.err.code() != "RATE_LIMITED" {
			t.Fatalf("third upload: %d %+v", r.status, r.err.Errors)
		}
		for range 3 {
			b.mustUpload(t, b.agent, c.id, "a.pdf", []byte(testPDF))
		}
	})
}

// R30, R22: instances sharing a PostgreSQL database and S3 storage serve
// each other's files: a URL signed by one works on another, with the key
// both derive from SECRETS_KEY.
func TestFilesAcrossInstances(t *testing.T) {
	t.Parallel()
	b := setup(t, postgres, func(c *Config) { c.FilesURL = attachmenttest.S3(t) })
	other := b.secondInstance(t)
	c := b.start(t, b.widgetKey, "Ann")
	doc := b.mustUpload(t, c.session, c.id, "report.pdf", []byte(testPDF))
	if status, _, body := other.download(t, doc.URL); status != http.StatusOK || string(body) != testPDF {
		t.Fatalf("other instance: %d %q", status, body)
	}
}

// A browser on the widget's site may upload: the preflight names the
// methods and headers it allows.
func TestUploadPreflight(t *testing.T) {
	t.Parallel()
	b := setup(t, sqlite)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, b.srv.URL+"/uploads", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
