// Package meta speaks to Meta's Graph API for the channel adapters and
// guards the webhooks Meta sends: a small JSON client whose failures carry
// Meta's error envelope, the one table that turns those failures into retry
// decisions (R17), the X-Hub-Signature-256 and verification-handshake
// checks that authenticate webhooks before anything is stored (R19), and
// the pieces of webhook payloads every channel shares, read so that one
// odd entry never costs a batch (R18).
package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/channel"
)

// maxResponse bounds what is read of a Graph API answer: send responses are
// a few hundred bytes, so anything near this is not one.
const maxResponse = 1 << 20

// DefaultTimeout bounds a request when Config.Client is nil. It stays below
// the default job timeout (a minute; the service's JOB_TIMEOUT) so that a
// hung call fails as a retryable timeout instead of being rescued as a
// stuck job.
const DefaultTimeout = 30 * time.Second

// Client posts JSON to the Graph API.
type Client struct {
	cfg channel.Config
}

// NewClient returns a client for cfg. A nil cfg.Client gets a plain
// http.Client with DefaultTimeout.
func NewClient(cfg channel.Config) *Client {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{cfg: cfg}
}

// Post sends body as JSON to {BaseURL}/{Version}/{path} with the access
// token as a Bearer credential and returns the raw 2xx answer. A non-2xx
// answer is an *Error; a failure to reach Meta is returned wrapped (Classify
// treats it as transient). The token never appears in an error.
func (c *Client) Post(ctx context.Context, path, accessToken string, body any) (json.RawMessage, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("meta: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(path), bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("meta: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, path, accessToken)
}

// Get reads {BaseURL}/{Version}/{path}?{query} with the access token as a
// Bearer credential, as Post does: the token goes in the header, never in
// the query, so that it stays out of access logs.
func (c *Client) Get(ctx context.Context, path string, query url.Values, accessToken string) (json.RawMessage, error) {
	u := c.url(path)
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("meta: build request: %w", err)
	}
	return c.do(req, path, accessToken)
}

func (c *Client) url(path string) string {
	return strings.TrimRight(c.cfg.BaseURL, "/") + "/" + c.cfg.Version + "/" + strings.TrimLeft(path, "/")
}

// do sends req authorised by accessToken and returns the raw 2xx answer;
// path names the request in errors.
func (c *Client) do(req *http.Request, path, accessToken string) (json.RawMessage, error) {
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("meta: %s %s: %w", req.Method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("meta: %s %s: read response: %w", req.Method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, parseError(resp, raw)
	}
	return raw, nil
}

// Error is a failure Meta reported, from its documented envelope
// {"error":{"message","type","code","error_subcode","fbtrace_id",...}}.
type Error struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	// Details is WhatsApp's error_data.details, its most specific text.
	Details   string
	FBTraceID string
	// Transient is Meta's own is_transient hint.
	Transient bool
	// RetryAfter comes from the Retry-After header, when Meta sent one.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Details != "" {
		msg += ": " + e.Details
	}
	return fmt.Sprintf("meta: HTTP %d, code %d/%d (%s): %s [fbtrace_id %s]",
		e.HTTPStatus, e.Code, e.Subcode, e.Type, msg, e.FBTraceID)
}

type envelope struct {
	Error struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		FBTraceID   string `json:"fbtrace_id"`
		IsTransient bool   `json:"is_transient"`
		ErrorData   struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// parseError reads Meta's envelope; a body that is not one (a proxy's HTML
// page) still yields an *Error carrying the HTTP status.
func parseError(resp *http.Response, raw []byte) *Error {
	e := &Error{
		HTTPStatus: resp.StatusCode,
		Message:    http.StatusText(resp.StatusCode),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var env envelope
	if json.Unmarshal(raw, &env) == nil && (env.Error.Code != 0 || env.Error.Message != "") {
		e.Code = env.Error.Code
		e.Subcode = env.Error.Subcode
		e.Type = env.Error.Type
		e.Message = env.Error.Message
		e.Details = env.Error.ErrorData.Details
		e.FBTraceID = env.Error.FBTraceID
		e.Transient = env.Error.IsTransient
	}
	return e
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Endpoint names a Graph API request by what it does, for metrics and
// traces: "messages", "media", or "object" for a read of a user or media
// object. The ids in a path (numbers, users) never become labels.
func Endpoint(r *http.Request) string {
	path := strings.TrimRight(r.URL.Path, "/")
	switch last := path[strings.LastIndexByte(path, '/')+1:]; last {
	case "messages", "media":
		return last
	}
	if r.Method == http.MethodGet {
		return "object"
	}
	return "other"
}
