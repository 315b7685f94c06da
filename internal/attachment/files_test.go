package attachment

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/attachment/attachmenttest"
)

// eachStorage runs test against local disk and against an S3-protocol
// server speaking HTTP in process (R30).
func eachStorage(t *testing.T, test func(t *testing.T, f *Files)) {
	t.Run("local", func(t *testing.T) {
		t.Parallel()
		test(t, openFiles(t, LocalURL(filepath.Join(t.TempDir(), "files"))))
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		test(t, openFiles(t, attachmenttest.S3(t)))
	})
}

func openFiles(t *testing.T, url string) *Files {
	t.Helper()
	f, err := OpenFiles(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// keys lists every object in the bucket.
func keys(t *testing.T, f *Files) []string {
	t.Helper()
	var out []string
	it := f.bucket.List(nil)
	for {
		o, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	eachStorage(t, func(t *testing.T, f *Files) {
		ctx := context.Background()
		doc := []byte("%PDF-1.7\n" + strings.Repeat("a report ", 1000))

		// R30: stored by content, read back whole, its type sniffed.
		c, err := f.Put(ctx, bytes.NewReader(doc), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if c.ContentType != "application/pdf" || c.Size != int64(len(doc)) || len(c.SHA256) != 64 {
			t.Fatalf("stored %+v", c)
		}
		r, err := f.Open(ctx, c.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		_ = r.Close()
		if !bytes.Equal(got, doc) {
			t.Fatal("read back other bytes")
		}

		// R30: a duplicate stores once, and leaves no temporary copy.
		again, err := f.Put(ctx, bytes.NewReader(doc), 1<<20)
		if err != nil || again.SHA256 != c.SHA256 {
			t.Fatalf("again: %+v, %v", again, err)
		}
		if ks := keys(t, f); len(ks) != 1 {
			t.Fatalf("bucket holds %v, want the one file", ks)
		}

		// R30: over the limit while streaming, refused, nothing kept.
		_, err = f.Put(ctx, bytes.NewReader(make([]byte, 4096)), 4095)
		if apperr.CodeOf(err) != apperr.RequestTooLarge {
			t.Fatalf("oversized: %v", err)
		}
		// R30: an image claiming more pixels than allowed is refused
		// from its header alone (a decompression bomb).
		_, err = f.Put(ctx, bytes.NewReader(attachmenttest.PNG(t, 100_000, 100_000)), 1<<20)
		if apperr.CodeOf(err) != apperr.BadUserInput {
			t.Fatalf("bomb: %v", err)
		}
		if ks := keys(t, f); len(ks) != 1 {
			t.Fatalf("refused files left %v", ks)
		}

		// An image in bounds has its size measured.
		img, err := f.Put(ctx, bytes.NewReader(attachmenttest.PNG(t, 640, 480)), 1<<20)
		if err != nil || img.ContentType != "image/png" || img.Width != 640 || img.Height != 480 {
			t.Fatalf("image: %+v, %v", img, err)
		}

		if _, err := f.Open(ctx, strings.Repeat("0", 64)); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown digest: %v", err)
		}
	})
}

// TestFilesStream: a file is streamed to storage, never held whole: a
// reader far larger than memory a test would notice is refused once past
// the limit, having been read only that far.
func TestFilesStream(t *testing.T) {
	t.Parallel()
	f := openFiles(t, LocalURL(t.TempDir()))
	src := &counting{r: endless{}}
	_, err := f.Put(context.Background(), src, 1<<20)
	if apperr.CodeOf(err) != apperr.RequestTooLarge {
		t.Fatalf("endless upload: %v", err)
	}
	if src.n > 1<<20+64<<10 {
		t.Fatalf("read %d bytes of an upload limited to 1 MiB", src.n)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

type counting struct {
	r io.Reader
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
