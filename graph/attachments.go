package graph

import (
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/conversation"
)

// positive is n for a nullable field, nil for 0 (not known).
func positive(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

// fileURL is where the readers of a stored file's conversation download it.
// The file belongs to a message the caller was allowed to read.
func (r *Resolver) fileURL(a *conversation.Attachment) string {
	return DownloadURL(r.PublicURL, r.Attachments, &attachment.Attachment{ID: a.ID, AccountID: a.AccountID, ConversationID: a.ConversationID, Name: a.Name},
		r.Attachments.URLTTL())
}
