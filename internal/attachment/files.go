package attachment

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/url"
	"path/filepath"

	// The image formats whose dimensions Put checks: the ones every
	// browser shows inline.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	"gocloud.dev/blob"
	// The storage backends FILES_URL may name.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/linkline/linkline/internal/apperr"
)

// Files keeps file contents in a bucket, addressed by their SHA-256: the
// same bytes uploaded twice, or received from two channels, are stored
// once. gocloud.dev/blob hides whether the bucket is a local folder (the
// embedded default, beside the database) or S3-compatible storage.
type Files struct {
	bucket *blob.Bucket
	// MaxPixels bounds width × height of an image: a few kilobytes of PNG
	// can claim a picture that takes gigabytes to decode (a decompression
	// bomb), in our thumbnails or in a reader's browser.
	MaxPixels int64
}

// DefaultMaxPixels admits any photo a phone takes (50 megapixels and
// more are rare) and refuses the bombs, which claim billions.
const DefaultMaxPixels = 100_000_000

// LocalURL is the URL of files kept in the folder dir, created if need be:
// temporary files are written beside their final place, so that moving
// them never crosses file systems, and no attributes are kept beside each
// file (the content type is in the database).
func LocalURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir), RawQuery: "create_dir=1&no_tmp_dir=1&metadata=skip"}).String()
}

// OpenFiles opens the bucket at a gocloud.dev URL: file:///path (add
// ?create_dir=1 to create it) or s3://bucket?region=…&endpoint=….
func OpenFiles(ctx context.Context, bucketURL string) (*Files, error) {
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("attachment: files at %q: %w", bucketURL, err)
	}
	return &Files{bucket: b, MaxPixels: DefaultMaxPixels}, nil
}

// Close closes the bucket.
func (f *Files) Close() error { return f.bucket.Close() }

// Content is what Put learnt of the bytes it stored.
type Content struct {
	// SHA256 is the hex digest of the bytes: their address.
	SHA256 string
	Size   int64
	// ContentType is sniffed from the bytes, never taken from a client
	// or a platform.
	ContentType string
	// Width and Height are set for images (GIF, JPEG, PNG).
	Width, Height int
}

// Put stores what r yields, up to limit bytes, streaming it to the bucket:
// a file is never held in memory whole. More than limit bytes, or an image
// over MaxPixels, is refused (REQUEST_TOO_LARGE, BAD_USER_INPUT) and
// leaves nothing.
func (f *Files) Put(ctx context.Context, r io.Reader, limit int64) (*Content, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	head = head[:n]
	if n == 0 {
		return nil, apperr.Invalid("file", "is empty")
	}
	c := &Content{ContentType: http.DetectContentType(head)}

	// Written under a temporary name first: the address is known only at
	// the end, and a refused file must leave nothing behind.
	tmp, err := tempKey()
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := f.bucket.NewWriter(wctx, tmp, &blob.WriterOptions{ContentType: c.ContentType})
	if err != nil {
		return nil, err
	}
	hash := sha256.New()
	c.Size, err = io.Copy(io.MultiWriter(w, hash), io.LimitReader(io.MultiReader(bytes.NewReader(head), r), limit+1))
	if err == nil && c.Size > limit {
		err = &apperr.Error{Code: apperr.RequestTooLarge, Field: "file", Message: fmt.Sprintf("file is larger than %d bytes", limit)}
	}
	if err != nil {
		// Cancelling the writer's context before Close abandons the write.
		cancel()
		_ = w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	defer func() { _ = f.bucket.Delete(context.WithoutCancel(ctx), tmp) }()

	if err := f.measure(ctx, tmp, c); err != nil {
		return nil, err
	}
	c.SHA256 = hex.EncodeToString(hash.Sum(nil))
	key := contentKey(c.SHA256)
	switch exists, err := f.bucket.Exists(ctx, key); {
	case err != nil:
		return nil, err
	case !exists:
		if err := f.bucket.Copy(ctx, key, tmp, nil); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// measure reads an image's dimensions from its header only, and refuses
// one over MaxPixels.
func (f *Files) measure(ctx context.Context, key string, c *Content) error {
	switch c.ContentType {
	case "image/gif", "image/jpeg", "image/png":
	default:
		return nil
	}
	r, err := f.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return apperr.Invalid("file", "is not a readable %s image", c.ContentType)
	}
	if int64(cfg.Width)*int64(cfg.Height) > f.MaxPixels {
		return apperr.Invalid("file", "is an image of %d×%d pixels, more than %d in all", cfg.Width, cfg.Height, f.MaxPixels)
	}
	c.Width, c.Height = cfg.Width, cfg.Height
	return nil
}

// Open returns a reader of the file with digest sha, or NOT_FOUND.
func (f *Files) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	r, err := f.bucket.NewReader(ctx, contentKey(sha), nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, apperr.NotFoundf("file")
	}
	return r, err
}

// contentKey spreads files over folders by their first digest bytes, so
// that no local folder grows to millions of entries.
func contentKey(sha string) string {
	return "sha256/" + sha[:2] + "/" + sha
}

func tempKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "tmp/" + hex.EncodeToString(b[:]), nil
}
