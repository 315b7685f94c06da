package meta

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Kind is what the delivery worker does with a failed send (R17).
type Kind int

const (
	// Transient failures are retried with backoff.
	Transient Kind = iota + 1
	// RateLimited failures are retried later, after RetryAfter when set:
	// retrying at once only extends the throttling.
	RateLimited
	// Permanent failures cannot succeed on retry: the message fails and
	// the agent is told Reason.
	Permanent
	// TokenInvalid means the integration's access token no longer works:
	// the integration is marked failing and no retries are spent on it.
	TokenInvalid
)

func (k Kind) String() string {
	switch k {
	case Transient:
		return "transient"
	case RateLimited:
		return "rate limited"
	case Permanent:
		return "permanent"
	case TokenInvalid:
		return "token invalid"
	}
	return "unknown"
}

// Class is the retry decision for one failed send.
type Class struct {
	Kind Kind
	// RetryAfter is Meta's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Reason says what went wrong in words an agent understands.
	Reason string
}

// code is a Graph API error code with its subcode; subcode 0 matches
// every subcode of the code that has no row of its own.
type code struct{ code, subcode int }

type rule struct {
	kind   Kind
	reason string
}

const windowClosed = "the 24-hour customer service window has closed"

// rules is the one classification table for Graph API error codes, from
// Meta's Graph API, WhatsApp Cloud API, Messenger and Instagram error
// references. Codes not listed fall back to the HTTP status (byStatus).
var rules = map[code]rule{
	{1, 0}:      {Transient, "Meta's API had a temporary error"},
	{2, 0}:      {Transient, "Meta's API is temporarily unavailable"},
	{4, 0}:      {RateLimited, "the app reached Meta's request limit"},
	{17, 0}:     {RateLimited, "the account reached Meta's request limit"},
	{32, 0}:     {RateLimited, "the Page reached Meta's request limit"},
	{613, 0}:    {RateLimited, "Meta's rate limit was exceeded"},
	{80007, 0}:  {RateLimited, "the WhatsApp Business Account reached its rate limit"},
	{130429, 0}: {RateLimited, "the phone number reached its message throughput limit"},
	{131048, 0}: {RateLimited, "WhatsApp's spam rate limit was reached"},
	{131056, 0}: {RateLimited, "too many messages were sent to this user in a short time"},
	{131047, 0}: {Permanent, windowClosed},
	// Messenger and Instagram report the closed window as permission
	// error 10 with their own subcodes; 10 alone is a missing permission.
	{10, 2018278}: {Permanent, windowClosed},
	{10, 2534022}: {Permanent, windowClosed},
	{131026, 0}:   {Permanent, "the message could not be delivered to this user"},
	{551, 0}:      {Permanent, "this person is not available right now"},
	{100, 0}:      {Permanent, "Meta rejected a parameter of the message"},
	{190, 0}:      {TokenInvalid, "the access token is invalid or has expired"},

	// The file of a media message: its type, size or bytes (R30).
	{131053, 0}: {Permanent, "WhatsApp could not take the file: check its type and size"},
}

// Classify decides whether and when a failed send is retried. Meta's
// answers are looked up in the table by code and subcode, then judged by
// HTTP status; failing to reach Meta at all (network errors, timeouts) is
// transient; any other error is the adapter refusing the send before it
// left, which no retry can change.
func Classify(err error) Class {
	if me, ok := errors.AsType[*Error](err); ok {
		r, found := rules[code{me.Code, me.Subcode}]
		if !found {
			r, found = rules[code{me.Code, 0}]
		}
		if !found {
			r = byStatus(me)
		}
		return Class{Kind: r.kind, RetryAfter: me.RetryAfter, Reason: r.reason}
	}
	if unreachable(err) {
		return Class{Kind: Transient, Reason: "Meta's API could not be reached"}
	}
	return Class{Kind: Permanent, Reason: err.Error()}
}

func byStatus(e *Error) rule {
	switch {
	case e.HTTPStatus == http.StatusTooManyRequests:
		return rule{RateLimited, "Meta is limiting the rate of requests"}
	case e.HTTPStatus >= 500:
		return rule{Transient, "Meta's API failed temporarily"}
	case e.Transient:
		return rule{Transient, "Meta reported a temporary error"}
	case e.HTTPStatus == http.StatusUnauthorized:
		return rule{TokenInvalid, "the access token was refused"}
	}
	return rule{Permanent, "Meta refused the message: " + e.Message}
}

// Unsure tells whether a failed send may have reached Meta all the same:
// the request left, but no answer came back (a timeout, a connection cut
// before the answer). Meta's own answer, or a connection never made, says
// for sure that nothing was sent. WhatsApp and the Send API take no
// idempotency key, so the retry of an unsure send may reach the phone a
// second time (R34).
func Unsure(err error) bool {
	if _, ok := errors.AsType[*Error](err); ok || !unreachable(err) {
		return false
	}
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return false
	}
	return true
}

func unreachable(err error) bool {
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
