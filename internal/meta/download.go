package meta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Open reads a file the Graph API named by URL (a WhatsApp media URL, a
// Messenger or Instagram attachment URL) and returns its body, unread, for
// the caller to stream and bound. The access token, when given, goes in
// the Authorization header as for every Graph API call; a non-2xx answer
// is an *Error, for Classify (an expired URL answers 403 or 404:
// permanent). Only https URLs are followed: they come from webhooks.
func (c *Client) Open(ctx context.Context, rawURL, accessToken string) (io.ReadCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("meta: not an https URL: %q", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("meta: build request: %w", err)
	}
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		// The URL's query may be a signature: name the host only.
		return nil, fmt.Errorf("meta: GET file at %s: %w", u.Host, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		return nil, parseError(resp, raw)
	}
	return resp.Body, nil
}

// Gone reports whether a failed read of a file is final: Meta itself
// answered, and no retry can change its answer (an expired URL, an
// unknown media id). Failing to reach Meta, its temporary errors and a
// refused token (which an admin may renew) are not.
func Gone(err error) bool {
	_, answered := errors.AsType[*Error](err)
	return answered && Classify(err).Kind == Permanent
}
