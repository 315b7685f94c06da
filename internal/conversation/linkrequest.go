package conversation

import "time"

// RequestStatus is where a link request stands (R5, R6).
type RequestStatus string

const (
	RequestPending   RequestStatus = "PENDING"
	RequestCancelled RequestStatus = "CANCELLED"
	// The states after the request's token was presented on its channel.
	RequestAwaiting RequestStatus = "AWAITING_CONFIRMATION"
	RequestLinked   RequestStatus = "LINKED"
	RequestDeclined RequestStatus = "DECLINED"
	RequestExpired  RequestStatus = "EXPIRED"
)

// LinkRequest is an end user's request to continue a conversation on a
// channel. Package linking decides what may happen to one.
type LinkRequest struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	Channel        Channel
	IntegrationID  int64
	TokenHash      []byte
	Status         RequestStatus
	ExpiresAt      time.Time
	CreatedAt      time.Time
	// DeepLink opens the channel's app with the token. It is kept while
	// the request is pending, so that a reloaded widget shows it again.
	DeepLink string
	// RedeemerID is the identity that presented the token ("": none yet).
	RedeemerID string
}

// StatusAt is the request's status at now: a pending request past its
// expiry is EXPIRED even before anyone presents its token.
func (r *LinkRequest) StatusAt(now time.Time) RequestStatus {
	if (r.Status == RequestPending || r.Status == RequestAwaiting) && !now.Before(r.ExpiresAt) {
		return RequestExpired
	}
	return r.Status
}
