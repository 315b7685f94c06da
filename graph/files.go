package graph

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/tracing"
)

// Files are attachments over plain HTTP (R30). Uploads are the body of a
// POST to /uploads, not GraphQL multipart requests: a body that is the
// file streams to storage under its limit, and it needs an Authorization
// header, so a browser sends it only after a CORS preflight, whereas a
// multipart/form-data POST is a "simple" request other sites can forge
// (and unmodified GraphQL clients send no multipart). The upload returns
// an id that messages then carry. Downloads need no token: their URL is
// signed and short-lived, and handed out only to a conversation's readers.
type Files struct {
	h         *Handler
	svc       *attachment.Service
	publicURL string
}

// NewFiles serves svc's files, authenticating uploads as h does GraphQL
// requests; download URLs start with publicURL.
func NewFiles(h *Handler, svc *attachment.Service, publicURL string) *Files {
	return &Files{h: h, svc: svc, publicURL: publicURL}
}

// Uploaded is the answer to an upload.
type Uploaded struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	URL         string `json:"url"`
}

// ServeUpload takes POST /uploads?conversationId=…&name=…, the body being
// the file's bytes; its Content-Type header is ignored (the type is
// sniffed). It answers 201 with Uploaded, or a GraphQL-shaped coded error.
func (f *Files) ServeUpload(w http.ResponseWriter, r *http.Request) {
	req := &request{id: newRequestID(), origin: r.Header.Get("Origin"), clientAddr: f.h.proxies.clientAddr(r)}
	w.Header().Set("X-Request-Id", req.id)
	ctx := tracing.WithRequestID(context.WithValue(r.Context(), requestKey{}, req), req.id)
	if f.h.cors(w, r, req.origin) {
		return
	}
	if r.Method != http.MethodPost {
		f.h.reject(w, &httpError{http.StatusMethodNotAllowed, apperr.New(apperr.BadRequest, "uploads are POSTed"), "method"})
		return
	}
	actor, he := f.h.authenticate(ctx, r, req)
	if he != nil {
		f.h.reject(w, he)
		return
	}
	q := r.URL.Query()
	convID, err := relay.Decode(relay.TypeConversation, q.Get("conversationId"))
	if err == nil && r.ContentLength > f.svc.MaxBytes() {
		err = &apperr.Error{Code: apperr.RequestTooLarge, Field: "file", Message: "file is larger than " + strconv.FormatInt(f.svc.MaxBytes(), 10) + " bytes"}
	}
	var a *attachment.Attachment
	if err == nil {
		a, err = f.svc.Upload(ctx, actor, convID, q.Get("name"), r.Body)
	}
	if err != nil {
		f.h.reject(w, f.h.httpErrorOf(ctx, err, "upload"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(Uploaded{ID: relay.ID(relay.TypeAttachment, a.ID), Name: a.Name, ContentType: a.ContentType,
		Size: a.Size, Width: a.Width, Height: a.Height, URL: f.URL(a)})
}

// URL is a signed download URL for a: hand it only to readers of its
// conversation.
func (f *Files) URL(a *attachment.Attachment) string {
	return DownloadURL(f.publicURL, f.svc, a, f.svc.URLTTL())
}

// DownloadURL is where a's file is downloaded, under publicURL, for ttl:
// hand it only to readers of its conversation, or to the platform sending
// it.
func DownloadURL(publicURL string, svc *attachment.Service, a *attachment.Attachment, ttl time.Duration) string {
	return publicURL + "/files/" + svc.Token(a, ttl) + "/" + url.PathEscape(a.Name)
}

// ServeDownload serves GET /files/{token}/{name}. Nothing it serves runs in
// the service's origin: only pictures, sound and video show inline, the
// rest downloads; browsers may not guess another type (nosniff); and the
// sandbox policy strips scripts from anything opened anyway.
func (f *Files) ServeDownload(w http.ResponseWriter, r *http.Request) {
	a, body, err := f.svc.Download(r.Context(), r.PathValue("token"))
	if err != nil {
		status := http.StatusNotFound
		if apperr.CodeOf(err) == apperr.Internal {
			f.h.log.ErrorContext(r.Context(), "serving a file", "err", err)
			status = http.StatusInternalServerError
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	defer func() { _ = body.Close() }()
	disposition := "attachment"
	if attachment.Inline(a.ContentType) {
		disposition = "inline"
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ContentType)
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// The URL expires soon; a shared cache must not keep what it granted.
	hd.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(f.svc.URLTTL()/time.Second)))
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, body); err != nil {
		f.h.log.WarnContext(r.Context(), "file download cut short", "err", err)
	}
}

// httpErrorOf is the HTTP answer to a coded error; an uncoded one is
// logged and masked.
func (h *Handler) httpErrorOf(ctx context.Context, err error, reason string) *httpError {
	status := http.StatusBadRequest
	switch apperr.CodeOf(err) {
	case apperr.Unauthenticated:
		status = http.StatusUnauthorized
	case apperr.Forbidden:
		status = http.StatusForbidden
	case apperr.NotFound:
		status = http.StatusNotFound
	case apperr.RateLimited:
		status = http.StatusTooManyRequests
	case apperr.RequestTooLarge:
		status = http.StatusRequestEntityTooLarge
	case apperr.Internal:
		h.log.ErrorContext(ctx, "internal error", "request_id", requestFrom(ctx).id, "err", err)
		h.metrics.InternalErrors.Inc()
		return &httpError{http.StatusInternalServerError, apperr.New(apperr.Internal, "internal error"), reason}
	}
	return &httpError{status, err, reason}
}

// authenticate is the actor of an HTTP request's bearer token.
func (h *Handler) authenticate(ctx context.Context, r *http.Request, req *request) (*auth.Actor, *httpError) {
	actor, err := h.authn.Authenticate(ctx, r.Header.Get("Authorization"), req.clientAddr, req.origin)
	if err == nil {
		err = h.checkAgentOrigin(actor, req.origin)
	}
	if err == nil {
		return actor, nil
	}
	status := http.StatusUnauthorized
	if apperr.CodeOf(err) == apperr.Forbidden {
		status = http.StatusForbidden
	} else if apperr.CodeOf(err) == apperr.Internal {
		status = http.StatusInternalServerError
		h.log.ErrorContext(ctx, "authentication failed", "request_id", req.id, "err", err)
		err = apperr.New(apperr.Internal, "internal error")
	}
	return nil, &httpError{status, err, "auth"}
}
