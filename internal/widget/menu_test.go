package widget

import (
	"context"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

type fakeWidgets map[string]*Widget

func (f fakeWidgets) ByKey(_ context.Context, key string) (*Widget, error) {
	if w := f[key]; w != nil {
		return w, nil
	}
	return nil, apperr.NotFoundf("widget")
}

// R4, R24: a page follows its widget by key from an allowed origin only,
// an unknown key is NOT_FOUND, and following is charged per address.
func TestMenusFollow(t *testing.T) {
	widgets := fakeWidgets{"wk_shop": {ID: 1, AccountID: 1, Key: "wk_shop", AllowedOrigins: []string{"https://shop.example"}}}
	limiter := auth.NewLimiter(auth.LimitsConfig{WidgetPerAddr: auth.Rate{Events: 1, Per: time.Hour, Burst: 2}}, nil)
	m := NewMenus(widgets, limiter)
	page := &auth.Actor{ClientAddr: "203.0.113.7"}

	if w, err := m.Follow(t.Context(), page, "wk_shop", "https://shop.example"); err != nil || w.ID != 1 {
		t.Errorf("allowed origin: %+v, %v", w, err)
	}
	if _, err := m.Follow(t.Context(), page, "wk_nope", "https://shop.example"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := m.Follow(t.Context(), page, "wk_shop", "https://shop.example"); apperr.CodeOf(err) != apperr.RateLimited {
		t.Errorf("third follow from one address: %v", err)
	}
	if _, err := m.Widget(t.Context(), "wk_shop", "https://evil.example"); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("foreign origin: %v", err)
	}
	other := &auth.Actor{ClientAddr: "203.0.113.8"}
	if _, err := m.Follow(t.Context(), other, "wk_shop", "https://shop.example"); err != nil {
		t.Errorf("another address has its own budget: %v", err)
	}
}

// R20: a session's widget is used only from the origins it allows, read
// as the widget is now; a page without an Origin header is no browser's.
func TestServiceAllowsOrigin(t *testing.T) {
	st := &fakeSettingsStore{widget: &Widget{ID: 5, AccountID: 1, AllowedOrigins: []string{"https://shop.example"}}}
	s := NewService(keyed{st})
	for origin, want := range map[string]bool{"https://shop.example": true, "HTTPS://SHOP.EXAMPLE": true, "https://evil.example": false, "": true} {
		if ok, err := s.AllowsOrigin(t.Context(), 1, 5, origin); err != nil || ok != want {
			t.Errorf("%q: %v, %v; want %v", origin, ok, err, want)
		}
	}
	st.widget.AllowedOrigins = []string{"*"}
	if ok, err := s.AllowsOrigin(t.Context(), 1, 5, "https://evil.example"); err != nil || !ok {
		t.Errorf("after allowing any origin: %v, %v", ok, err)
	}
	if _, err := s.AllowsOrigin(t.Context(), 2, 5, ""); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("another account's widget: %v", err)
	}
}

// keyed adds lookups by key to the settings fake.
type keyed struct{ *fakeSettingsStore }

func (k keyed) WidgetByKey(context.Context, string) (*Widget, error) {
	return nil, apperr.NotFoundf("widget")
}
