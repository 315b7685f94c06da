// Package widget holds Web Widgets and what decides whether and what they
// offer: the public key a site embeds and the origins allowed to use it,
// the account's prerequisites for linking (R1, prerequisites.go), each
// widget's channel settings and language (R2, R3, R27, settings.go), and
// the menu a widget shows, public before any conversation exists (R4,
// menu.go). What happens to links when a channel is turned off is
// linking's business, reached through Links.
package widget

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/apperr"
)

// Widget is one chat widget of an account.
type Widget struct {
	ID        int64
	AccountID int64
	// Key is public: it is embedded in the customer's web pages.
	Key  string
	Name string
	// AllowedOrigins are the browser origins (scheme://host[:port]) that may
	// use this widget. "*" allows any origin.
	AllowedOrigins []string
	// SocialChannels are the channels an admin allows customers to switch
	// to (R2), by name: WHATSAPP, MESSENGER, INSTAGRAM.
	SocialChannels []string
	// Language is what the widget's conversations are told on channels in
	// (R27).
	Language string
	// UnreadFallbackMinutes is how long a widget reply may stay unread
	// before it is also sent to the end user's linked channel (R33); 0:
	// never.
	UnreadFallbackMinutes int
	CreatedAt             time.Time
	// DeletedAt is set once an admin deleted the widget: its key and its
	// sessions stop working, and its conversations stay (R28).
	DeletedAt *time.Time
}

// Deleted reports whether an admin deleted the widget.
func (w *Widget) Deleted() bool { return w.DeletedAt != nil }

// DefaultLanguage is a new widget's language (R27).
const DefaultLanguage = "en"

// AllowsOrigin reports whether a browser request from origin may use the
// widget. Requests without an Origin header do not come from a browser page,
// so there is no cross-site risk to guard against.
func (w *Widget) AllowsOrigin(origin string) bool {
	if origin == "" {
		return true
	}
	for _, o := range w.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// ValidOrigin reports whether s is an origin as browsers send it.
func ValidOrigin(s string) bool {
	if s == "*" {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.User == nil
}

// Store is what the widget service needs from storage.
type Store interface {
	WidgetByKey(ctx context.Context, key string) (*Widget, error)
	Widget(ctx context.Context, accountID, id int64) (*Widget, error)
}

// Service finds widgets by key and says where they may be used from.
type Service struct {
	store Store
}

// NewService returns a widget service.
func NewService(store Store) *Service { return &Service{store: store} }

// ByKey returns the widget with this public key, or NOT_FOUND.
func (s *Service) ByKey(ctx context.Context, key string) (*Widget, error) {
	if key == "" || len(key) > 128 {
		return nil, apperr.NotFoundf("widget")
	}
	return s.store.WidgetByKey(ctx, key)
}

// AllowsOrigin reports whether a page at origin may use the widget: a
// session's token works only there (R20).
func (s *Service) AllowsOrigin(ctx context.Context, accountID, widgetID int64, origin string) (bool, error) {
	w, err := s.store.Widget(ctx, accountID, widgetID)
	if err != nil {
		return false, err
	}
	if w.Deleted() {
		return false, apperr.NotFoundf("widget")
	}
	return w.AllowsOrigin(origin), nil
}
