package linking

import (
	"context"

	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/widget"
)

// OffStore is what turning a channel off needs from storage.
type OffStore interface {
	// CancelLinkRequests cancels the open requests to a channel, of one
	// widget (or, with widgetID 0, of the account).
	CancelLinkRequests(ctx context.Context, accountID, widgetID int64, ch conversation.Channel) error
	// LinkedConversations lists the conversations linked to a channel, of
	// one widget (or, with widgetID 0, of the account).
	LinkedConversations(ctx context.Context, accountID, widgetID int64, ch conversation.Channel) ([]int64, error)
}

// LinkEnder ends a conversation's link to a channel, returning the
// identity that was linked (nil: none was).
type LinkEnder interface {
	EndLink(ctx context.Context, accountID, conversationID int64, ch conversation.Channel) (*conversation.Identity, error)
}

// Announcer tells an end user something on a social channel, at once and
// as far as the channel allows; it reports failures itself, since the
// admin's change stands either way.
type Announcer interface {
	Announce(ctx context.Context, to *conversation.Identity, text string)
}

// Disabler ends linking to a channel that was turned off: deselected in a
// widget's settings, or its integration disabled, removed or refused by
// Meta (R3).
type Disabler struct {
	store     OffStore
	links     LinkEnder
	announce  Announcer
	languages LanguageOf
}

var _ widget.Links = (*Disabler)(nil)

// NewDisabler returns the service that turns channels off for links.
func NewDisabler(store OffStore, links LinkEnder, announce Announcer, languages LanguageOf) *Disabler {
	return &Disabler{store: store, links: links, announce: announce, languages: languages}
}

// ChannelOff cancels pending requests to a channel and ends its active
// links, of one widget's conversations (widgetID 0: the whole account's),
// with DISABLED_BY_ADMIN in the histories; replies fall back to the
// widget (R3). Each end user is told on the channel, rather than left
// talking to no one (R26).
func (d *Disabler) ChannelOff(ctx context.Context, accountID, widgetID int64, ch conversation.Channel) error {
	if err := d.store.CancelLinkRequests(ctx, accountID, widgetID, ch); err != nil {
		return err
	}
	// Cancelled requests are seen by the widgets through the settings'
	// or the integration's own change.
	ids, err := d.store.LinkedConversations(ctx, accountID, widgetID, ch)
	if err != nil {
		return err
	}
	for _, id := range ids {
		was, err := d.links.EndLink(ctx, accountID, id, ch)
		if err != nil {
			return err
		}
		if was == nil {
			continue
		}
		lang, err := d.languages.Of(ctx, accountID, id)
		if err != nil {
			return err
		}
		d.announce.Announce(ctx, was, Text(lang, TextLinkEndedByAdmin))
	}
	return nil
}
