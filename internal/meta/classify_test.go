package meta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"
)

// R17: every code of the table, and the fallbacks, decide retries.
func TestClassify(t *testing.T) {
	meta := func(status, code, subcode int) *Error {
		return &Error{HTTPStatus: status, Code: code, Subcode: subcode, Message: "(#x) message"}
	}
	for _, tc := range []struct {
		name   string
		err    error
		kind   Kind
		reason string
	}{
		{"1 unknown", meta(500, 1, 0), Transient, "Meta's API had a temporary error"},
		{"1 on a 400", meta(400, 1, 0), Transient, "Meta's API had a temporary error"},
		{"2 service", meta(503, 2, 0), Transient, "Meta's API is temporarily unavailable"},
		{"4 app limit", meta(400, 4, 0), RateLimited, "the app reached Meta's request limit"},
		{"17 account limit", meta(400, 17, 0), RateLimited, "the account reached Meta's request limit"},
		{"32 page limit", meta(400, 32, 0), RateLimited, "the Page reached Meta's request limit"},
		{"613 rate limit", meta(400, 613, 0), RateLimited, "Meta's rate limit was exceeded"},
		{"80007 WABA limit", meta(400, 80007, 0), RateLimited, "the WhatsApp Business Account reached its rate limit"},
		{"130429 throughput", meta(429, 130429, 0), RateLimited, "the phone number reached its message throughput limit"},
		{"130429 on a 400", meta(400, 130429, 0), RateLimited, "the phone number reached its message throughput limit"},
		{"131048 spam limit", meta(400, 131048, 0), RateLimited, "WhatsApp's spam rate limit was reached"},
		{"131056 pair limit", meta(400, 131056, 0), RateLimited, "too many messages were sent to this user in a short time"},
		{"131047 window", meta(400, 131047, 0), Permanent, "the 24-hour customer service window has closed"},
		{"10/2018278 Messenger window", meta(400, 10, 2018278), Permanent, "the 24-hour customer service window has closed"},
		{"10/2534022 Instagram window", meta(400, 10, 2534022), Permanent, "the 24-hour customer service window has closed"},
		{"10 permission", meta(403, 10, 0), Permanent, "Meta refused the message: (#x) message"},
		{"131026 undeliverable", meta(400, 131026, 0), Permanent, "the message could not be delivered to this user"},
		{"551 unavailable", meta(400, 551, 1545041), Permanent, "this person is not available right now"},
		{"100 parameter", meta(400, 100, 0), Permanent, "Meta rejected a parameter of the message"},
		{"100 with subcode", meta(400, 100, 2018001), Permanent, "Meta rejected a parameter of the message"},
		{"190 token", meta(400, 190, 0), TokenInvalid, "the access token is invalid or has expired"},
		{"190/463 expired", meta(401, 190, 463), TokenInvalid, "the access token is invalid or has expired"},
		{"unknown 5xx", meta(500, 131000, 0), Transient, "Meta's API failed temporarily"},
		{"unknown 429", meta(429, 0, 0), RateLimited, "Meta is limiting the rate of requests"},
		{"unknown 401", meta(401, 0, 0), TokenInvalid, "the access token was refused"},
		{"unknown 4xx", meta(400, 131051, 0), Permanent, "Meta refused the message: (#x) message"},
		{"unknown 4xx marked transient", &Error{HTTPStatus: 400, Code: 9999, Transient: true}, Transient, "Meta reported a temporary error"},
		{"wrapped", fmt.Errorf("whatsapp: send: %w", meta(400, 131047, 0)), Permanent, "the 24-hour customer service window has closed"},
		{"network", &url.Error{Op: "Post", URL: "https://graph.facebook.com/v21.0/me/messages", Err: errors.New("connection reset")},
			Transient, "Meta's API could not be reached"},
		{"deadline", fmt.Errorf("meta: %w", context.DeadlineExceeded), Transient, "Meta's API could not be reached"},
		{"cancelled", fmt.Errorf("meta: %w", context.Canceled), Transient, "Meta's API could not be reached"},
		{"cut-off answer", fmt.Errorf("meta: read response: %w", io.ErrUnexpectedEOF), Transient, "Meta's API could not be reached"},
		{"refused before sending", errors.New("whatsapp: a prompt needs 1 to 3 choices, got 4"), Permanent,
			"whatsapp: a prompt needs 1 to 3 choices, got 4"},
	} {
		got := Classify(tc.err)
		if got.Kind != tc.kind || got.Reason != tc.reason {
			t.Errorf("%s: Classify = %v %q, want %v %q", tc.name, got.Kind, got.Reason, tc.kind, tc.reason)
		}
	}
}

// R34: only a send that left without an answer coming back may have
// reached Meta all the same.
func TestUnsure(t *testing.T) {
	post := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://graph.facebook.com/v21.0/1/messages", Err: err}
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"timeout", post(context.DeadlineExceeded), true},
		{"cut before the answer", post(io.ErrUnexpectedEOF), true},
		{"reset while reading", post(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), true},
		{"connection refused", post(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), false},
		{"no such host", post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "graph.facebook.com"}}), false},
		{"Meta answered", &Error{HTTPStatus: 503, Code: 2}, false},
		{"refused before sending", errors.New("channel: body too long"), false},
	} {
		if got := Unsure(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestClassifyRetryAfter(t *testing.T) {
	c := Classify(&Error{HTTPStatus: 429, Code: 4, RetryAfter: 42 * time.Second})
	if c.Kind != RateLimited || c.RetryAfter != 42*time.Second {
		t.Errorf("Classify = %+v", c)
	}
}
