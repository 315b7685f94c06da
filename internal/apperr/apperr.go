// Package apperr is the one coded error type of the service. Domain packages
// return *Error with a Code; the GraphQL layer turns the code into
// extensions.code. Any other error is INTERNAL: logged and masked (SPEC §4).
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, documented error code (see README "Error codes").
type Code string

const (
	Unauthenticated     Code = "UNAUTHENTICATED"
	Forbidden           Code = "FORBIDDEN"
	NotFound            Code = "NOT_FOUND"
	BadUserInput        Code = "BAD_USER_INPUT"
	PrerequisiteMissing Code = "PREREQUISITE_MISSING"
	ChannelNotEnabled   Code = "CHANNEL_NOT_ENABLED"
	LinkExpired         Code = "LINK_EXPIRED"
	RateLimited         Code = "RATE_LIMITED"
	CursorExpired       Code = "CURSOR_EXPIRED"
	CursorInvalid       Code = "CURSOR_INVALID"
	ConversationClosed  Code = "CONVERSATION_CLOSED"
	// AlreadyAssigned: another agent has the conversation; only an admin
	// reassigns it (R29).
	AlreadyAssigned Code = "ALREADY_ASSIGNED"
	Internal        Code = "INTERNAL"
	// RequestTooLarge is a request body, or a file uploaded, over its
	// size limit.
	RequestTooLarge Code = "REQUEST_TOO_LARGE"
	// BadRequest is a request the transport does not take: not GraphQL,
	// or a mutation over a websocket.
	BadRequest Code = "BAD_REQUEST"
)

// Error is a failure the caller can act on.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, when there is one.
	Field string
	// RetryAfter is set on RATE_LIMITED: when the caller may try again.
	RetryAfter time.Duration
	// Missing lists what is missing, on PREREQUISITE_MISSING.
	Missing []string
	// Details are further facts a client can act on, added to the
	// error's extensions as they are (names must not clash with the
	// fields above).
	Details map[string]any
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// New returns a coded error.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a BAD_USER_INPUT error about one input field; the message
// starts with the field's name.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: field + " " + fmt.Sprintf(format, args...)}
}

// NotFoundf is the answer for unknown ids, and for ids the caller may not
// see: the two must be indistinguishable (R20).
func NotFoundf(what string) *Error {
	return &Error{Code: NotFound, Message: what + " not found"}
}

// CodeOf returns the code of err, or Internal when err is not coded.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// As returns the coded error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
