// Package widget holds Web Widgets: the public key a site embeds, the origins
// allowed to use it, and the public configuration a widget reads before any
// conversation exists (R4).
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
	Language  string
	CreatedAt time.Time
}

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
}

// Service answers public widget questions.
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
