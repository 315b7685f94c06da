package widget

import (
	"context"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/social"
)

// Option is one channel of a widget's menu (R4).
type Option struct {
	Channel     social.Channel
	DisplayName string
	Handle      string
	// IntegrationID is the integration the channel goes through.
	IntegrationID int64
}

// menu is what a widget offers now (R4): its settings, intersected with
// the account's active integrations, and nothing at all while a
// prerequisite is missing (R1).
func menu(w *Widget, a *account.Account, its []*integration.Integration) []*Option {
	if len(Missing(a, its)) > 0 {
		return []*Option{}
	}
	act := active(its)
	out := []*Option{}
	for _, name := range w.SocialChannels {
		if it := act[social.Channel(name)]; it != nil {
			out = append(out, &Option{Channel: it.Channel, DisplayName: it.DisplayName, Handle: it.Handle, IntegrationID: it.ID})
		}
	}
	return out
}

// Keys finds widgets by their public key.
type Keys interface {
	ByKey(ctx context.Context, key string) (*Widget, error)
}

// Menus serves a widget's configuration to a page that has no conversation
// yet (R4, R27): by the widget's public key, only to the origins the widget
// allows, and at a bounded rate per client address (R24).
type Menus struct {
	widgets Keys
	limiter *auth.Limiter
}

// NewMenus returns the public menu service.
func NewMenus(widgets Keys, limiter *auth.Limiter) *Menus {
	return &Menus{widgets: widgets, limiter: limiter}
}

// Follow charges the caller for following the widget with this key from a
// page at origin, and returns the widget as it is now. The charge comes
// first, so that guessing keys costs as much as using one.
func (m *Menus) Follow(ctx context.Context, actor *auth.Actor, key, origin string) (*Widget, error) {
	if err := m.limiter.Allow(ctx, actor, auth.ActionWidget); err != nil {
		return nil, err
	}
	return m.Widget(ctx, key, origin)
}

// Widget reads the widget for a page at origin that follows it: NOT_FOUND
// for an unknown key, as the public widget query answers, and FORBIDDEN for
// an origin the widget does not allow. Every read checks the origin, since
// an admin may change the allowed ones while the page is open.
func (m *Menus) Widget(ctx context.Context, key, origin string) (*Widget, error) {
	w, err := m.widgets.ByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	if !w.AllowsOrigin(origin) {
		return nil, apperr.New(apperr.Forbidden, "origin %q may not use this widget", origin)
	}
	return w, nil
}
