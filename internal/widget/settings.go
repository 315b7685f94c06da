package widget

import (
	"context"
	"slices"
	"strings"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/social"
)

// SettingsStore is what settings need from storage.
type SettingsStore interface {
	Account(ctx context.Context, id int64) (*account.Account, error)
	Integrations(ctx context.Context, accountID int64) ([]*integration.Integration, error)
	Widgets(ctx context.Context, accountID int64) ([]*Widget, error)
	Widget(ctx context.Context, accountID, id int64) (*Widget, error)
	SetWidgetChannels(ctx context.Context, accountID, id int64, channels []string) error
	SetWidgetLanguage(ctx context.Context, accountID, id int64, lang string) error
}

// Links is what a channel turned off means for linking, which is linking's
// business (R3): pending link requests to it are cancelled and its active
// links end.
type Links interface {
	// ChannelOff turns linking to ch off for one widget's conversations.
	ChannelOff(ctx context.Context, accountID, widgetID int64, ch social.Channel) error
}

// Languages checks a language against the catalog of what can be said on
// channels (R27), which linking keeps.
type Languages interface {
	// Parse returns the catalog's language for tag, or a coded error
	// naming the supported ones.
	Parse(tag string) (string, error)
}

// Settings manages prerequisites, widget settings and menus (R1–R4).
type Settings struct {
	store     SettingsStore
	links     Links
	languages Languages
	// changed tells every instance that an account's menus may have
	// changed (R3): open widgets re-read theirs.
	changed func(ctx context.Context, accountID int64) error
}

// NewSettings returns the settings service.
func NewSettings(store SettingsStore, links Links, languages Languages, changed func(ctx context.Context, accountID int64) error) *Settings {
	return &Settings{store: store, links: links, languages: languages, changed: changed}
}

// Prerequisites lists what the admin's account lacks for linking (R1).
func (s *Settings) Prerequisites(ctx context.Context, actor *auth.Actor) ([]Prerequisite, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	a, its, err := s.account(ctx, actor.AccountID())
	if err != nil {
		return nil, err
	}
	missing := Missing(a, its)
	if missing == nil {
		return []Prerequisite{}, nil
	}
	return missing, nil
}

// Widget returns a widget of the actor's account, as it is now.
func (s *Settings) Widget(ctx context.Context, actor *auth.Actor, id int64) (*Widget, error) {
	acct := actor.AccountID()
	if acct == 0 {
		return nil, apperr.NotFoundf("widget")
	}
	return live(ctx, s.store, acct, id)
}

type widgetReader interface {
	Widget(ctx context.Context, accountID, id int64) (*Widget, error)
}

// live reads a widget that an admin has not deleted: a deleted one
// answers as an unknown one. Its conversations still read it, for their
// language.
func live(ctx context.Context, store widgetReader, accountID, id int64) (*Widget, error) {
	w, err := store.Widget(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if w.Deleted() {
		return nil, apperr.NotFoundf("widget")
	}
	return w, nil
}

// Widgets lists the account's widgets (agents and admins).
func (s *Settings) Widgets(ctx context.Context, actor *auth.Actor) ([]*Widget, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	return s.store.Widgets(ctx, actor.AccountID())
}

// SetChannels sets the social channels customers may switch to from a
// widget (R2). It needs every prerequisite (R1) and an active integration
// for each channel; otherwise it changes nothing. A channel deselected is
// turned off for links (R3), and open widgets see the new menu at once.
func (s *Settings) SetChannels(ctx context.Context, actor *auth.Actor, widgetID int64, channels []social.Channel) (*Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	w, err := live(ctx, s.store, actor.AccountID(), widgetID)
	if err != nil {
		return nil, err
	}
	a, its, err := s.account(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	names, err := choose(channels, a, its)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetWidgetChannels(ctx, w.AccountID, w.ID, names); err != nil {
		return nil, err
	}
	for _, old := range w.SocialChannels {
		if !slices.Contains(names, old) {
			if err := s.links.ChannelOff(ctx, w.AccountID, w.ID, social.Channel(old)); err != nil {
				return nil, err
			}
		}
	}
	w.SocialChannels = names
	return w, s.changed(ctx, w.AccountID)
}

// choose validates the channels an admin chose for a widget (R1, R2) and
// returns their names, once each, in the order given.
func choose(channels []social.Channel, a *account.Account, its []*integration.Integration) ([]string, error) {
	names := []string{}
	if len(channels) == 0 {
		return names, nil // turning linking off needs nothing
	}
	if missing := Missing(a, its); len(missing) > 0 {
		list := make([]string, len(missing))
		for i, m := range missing {
			list[i] = string(m)
		}
		return nil, &apperr.Error{Code: apperr.PrerequisiteMissing, Missing: list,
			Message: "linking needs " + strings.Join(list, ", ")}
	}
	act := active(its)
	for _, ch := range channels {
		if act[ch] == nil {
			return nil, &apperr.Error{Code: apperr.ChannelNotEnabled, Field: "channels",
				Message: string(ch) + " has no active integration on this account"}
		}
		if !slices.Contains(names, string(ch)) {
			names = append(names, string(ch))
		}
	}
	return names, nil
}

// SetLanguage sets the language of what is sent on channels for a
// widget's conversations (R27); the widget reads it live, as its menu.
func (s *Settings) SetLanguage(ctx context.Context, actor *auth.Actor, widgetID int64, tag string) (*Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	lang, err := s.languages.Parse(tag)
	if err != nil {
		return nil, err
	}
	w, err := live(ctx, s.store, actor.AccountID(), widgetID)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetWidgetLanguage(ctx, w.AccountID, w.ID, lang); err != nil {
		return nil, err
	}
	w.Language = lang
	return w, s.changed(ctx, w.AccountID)
}

// Menu returns what a widget offers now (R4).
func (s *Settings) Menu(ctx context.Context, w *Widget) ([]*Option, error) {
	a, its, err := s.account(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	return menu(w, a, its), nil
}

func (s *Settings) account(ctx context.Context, id int64) (*account.Account, []*integration.Integration, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	its, err := s.store.Integrations(ctx, id)
	return a, its, err
}
