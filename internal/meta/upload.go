package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// FormFile is the file part of a multipart upload.
type FormFile struct {
	Field, Name, ContentType string
	Body                     io.Reader
}

// Upload posts fields and f as multipart/form-data to
// {BaseURL}/{Version}/{path}, as Post does JSON: WhatsApp's media upload
// takes the file's bytes this way. The file is streamed, never held whole
// in memory.
func (c *Client) Upload(ctx context.Context, path, accessToken string, fields map[string]string, f FormFile) (json.RawMessage, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeForm(mw, fields, f))
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(path), pr)
	if err != nil {
		_ = pr.Close()
		return nil, fmt.Errorf("meta: build request: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	raw, err := c.do(req, path, accessToken)
	// A request that ended before reading the whole body leaves the
	// writer blocked: closing the reader ends it.
	_ = pr.Close()
	return raw, err
}

func writeForm(mw *multipart.Writer, fields map[string]string, f FormFile) error {
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+escapeQuotes(f.Field)+`"; filename="`+escapeQuotes(f.Name)+`"`)
	h.Set("Content-Type", f.ContentType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, f.Body); err != nil {
		return err
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }
