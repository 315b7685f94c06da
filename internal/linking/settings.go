// Package linking lets an end user carry a widget conversation to a social
// channel and back. This file holds what decides whether linking is offered
// at all: the account's prerequisites (R1), each widget's channel settings
// (R2, R3) and the menu a widget shows (R4).
package linking

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/widget"
)

// Prerequisite is a condition an account must meet for linking (R1).
type Prerequisite string

const (
	PrerequisiteSuitePlan      Prerequisite = "SUITE_PLAN"
	PrerequisiteAgentWorkspace Prerequisite = "AGENT_WORKSPACE"
	PrerequisiteSocialChannel  Prerequisite = "SOCIAL_CHANNEL"
)

// Missing lists the prerequisites an account does not meet.
func Missing(a *account.Account, its []*integration.Integration) []Prerequisite {
	var out []Prerequisite
	if !a.Plan.IsSuite() {
		out = append(out, PrerequisiteSuitePlan)
	}
	if !a.AgentWorkspace {
		out = append(out, PrerequisiteAgentWorkspace)
	}
	if len(active(its)) == 0 {
		out = append(out, PrerequisiteSocialChannel)
	}
	return out
}

func active(its []*integration.Integration) map[conversation.Channel]*integration.Integration {
	out := map[conversation.Channel]*integration.Integration{}
	for _, it := range its {
		if it.Status == integration.StatusActive && out[it.Channel] == nil {
			out[it.Channel] = it
		}
	}
	return out
}

// Option is one channel of a widget's menu (R4).
type Option struct {
	Channel     conversation.Channel
	DisplayName string
	Handle      string
	// IntegrationID is the integration the channel goes through.
	IntegrationID int64
}

// menu is what a widget offers now: its settings, intersected with the
// account's active integrations, and nothing at all while a prerequisite
// is missing.
func menu(w *widget.Widget, a *account.Account, its []*integration.Integration) []*Option {
	if len(Missing(a, its)) > 0 {
		return []*Option{}
	}
	act := active(its)
	out := []*Option{}
	for _, name := range w.SocialChannels {
		if it := act[conversation.Channel(name)]; it != nil {
			out = append(out, &Option{Channel: it.Channel, DisplayName: it.DisplayName, Handle: it.Handle, IntegrationID: it.ID})
		}
	}
	return out
}

// Store is what settings need from storage.
type Store interface {
	Account(ctx context.Context, id int64) (*account.Account, error)
	Integrations(ctx context.Context, accountID int64) ([]*integration.Integration, error)
	Widgets(ctx context.Context, accountID int64) ([]*widget.Widget, error)
	Widget(ctx context.Context, accountID, id int64) (*widget.Widget, error)
	SetWidgetChannels(ctx context.Context, accountID, id int64, channels []string) error
	SetWidgetLanguage(ctx context.Context, accountID, id int64, lang string) error
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

// Settings manages prerequisites, widget channel settings and menus.
type Settings struct {
	store     Store
	links     LinkEnder
	announce  Announcer
	languages LanguageOf
	// Changed tells every instance that an account's menus may have
	// changed (R3): open widgets re-read theirs.
	changed func(ctx context.Context, accountID int64) error
}

// NewSettings returns the settings service.
func NewSettings(store Store, links LinkEnder, announce Announcer, languages LanguageOf, changed func(ctx context.Context, accountID int64) error) *Settings {
	return &Settings{store: store, links: links, announce: announce, languages: languages, changed: changed}
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
	return nonNil(Missing(a, its)), nil
}

// Widget returns a widget of the actor's account, as it is now.
func (s *Settings) Widget(ctx context.Context, actor *auth.Actor, id int64) (*widget.Widget, error) {
	acct := actor.AccountID()
	if acct == 0 {
		return nil, apperr.NotFoundf("widget")
	}
	return s.store.Widget(ctx, acct, id)
}

// Widgets lists the account's widgets (agents and admins).
func (s *Settings) Widgets(ctx context.Context, actor *auth.Actor) ([]*widget.Widget, error) {
	if err := auth.Require(actor, auth.RoleAgent); err != nil {
		return nil, err
	}
	return s.store.Widgets(ctx, actor.AccountID())
}

// SetChannels sets the social channels customers may switch to from a
// widget (R2). It needs every prerequisite (R1) and an active integration
// for each channel; otherwise it changes nothing. Open widgets see the new
// menu at once (R3).
func (s *Settings) SetChannels(ctx context.Context, actor *auth.Actor, widgetID int64, channels []conversation.Channel) (*widget.Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	w, err := s.store.Widget(ctx, actor.AccountID(), widgetID)
	if err != nil {
		return nil, err
	}
	a, its, err := s.account(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	names := []string{}
	if len(channels) > 0 {
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
	}
	if err := s.store.SetWidgetChannels(ctx, w.AccountID, w.ID, names); err != nil {
		return nil, err
	}
	for _, old := range w.SocialChannels {
		if !slices.Contains(names, old) {
			if err := s.turnOff(ctx, w.AccountID, w.ID, conversation.Channel(old)); err != nil {
				return nil, err
			}
		}
	}
	w.SocialChannels = names
	return w, s.changed(ctx, w.AccountID)
}

// SetLanguage sets the language of what is sent on channels for a
// widget's conversations (R27); the widget reads it live, as its menu.
func (s *Settings) SetLanguage(ctx context.Context, actor *auth.Actor, widgetID int64, tag string) (*widget.Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	l, err := ParseLanguage(tag)
	if err != nil {
		return nil, err
	}
	w, err := s.store.Widget(ctx, actor.AccountID(), widgetID)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetWidgetLanguage(ctx, w.AccountID, w.ID, string(l)); err != nil {
		return nil, err
	}
	w.Language = string(l)
	return w, s.changed(ctx, w.AccountID)
}

// ChannelOff turns linking to a channel off across the account: its
// integration was disabled or removed (R3).
func (s *Settings) ChannelOff(ctx context.Context, accountID int64, ch conversation.Channel) error {
	return s.turnOff(ctx, accountID, 0, ch)
}

// turnOff cancels pending requests to a channel and ends its active links,
// with DISABLED_BY_ADMIN in the histories; replies fall back to the
// widget (R3). Each end user is told on the channel, rather than left
// talking to no one (R26).
func (s *Settings) turnOff(ctx context.Context, accountID, widgetID int64, ch conversation.Channel) error {
	if err := s.store.CancelLinkRequests(ctx, accountID, widgetID, ch); err != nil {
		return err
	}
	// Cancelled requests are seen by the widgets at the end of SetChannels
	// or through the integration's own change.
	ids, err := s.store.LinkedConversations(ctx, accountID, widgetID, ch)
	if err != nil {
		return err
	}
	for _, id := range ids {
		was, err := s.links.EndLink(ctx, accountID, id, ch)
		if err != nil {
			return err
		}
		if was == nil {
			continue
		}
		lang, err := s.languages.Of(ctx, accountID, id)
		if err != nil {
			return err
		}
		s.announce.Announce(ctx, was, Text(lang, TextLinkEndedByAdmin))
	}
	return nil
}

// Menu returns what a widget offers now (R4).
func (s *Settings) Menu(ctx context.Context, w *widget.Widget) ([]*Option, error) {
	a, its, err := s.account(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	return menu(w, a, its), nil
}

// AccountChanged tells open widgets that an account's integrations or plan
// changed, which changes their menus (R3).
func (s *Settings) AccountChanged(ctx context.Context, accountID int64) error {
	return s.changed(ctx, accountID)
}

func (s *Settings) account(ctx context.Context, id int64) (*account.Account, []*integration.Integration, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	its, err := s.store.Integrations(ctx, id)
	return a, its, err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Signals wakes the widgets of an account when its menus may have changed.
// A wake-up carries no data: the widget re-reads its menu, so signals can
// be coalesced and never queue up behind a slow reader.
type Signals struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

// NewSignals returns an empty signal hub.
func NewSignals() *Signals { return &Signals{subs: map[int64]map[chan struct{}]struct{}{}} }

// Watch returns a channel woken on the account's changes, and a function
// to stop watching.
func (sg *Signals) Watch(accountID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	sg.mu.Lock()
	if sg.subs[accountID] == nil {
		sg.subs[accountID] = map[chan struct{}]struct{}{}
	}
	sg.subs[accountID][ch] = struct{}{}
	sg.mu.Unlock()
	return ch, func() {
		sg.mu.Lock()
		delete(sg.subs[accountID], ch)
		if len(sg.subs[accountID]) == 0 {
			delete(sg.subs, accountID)
		}
		sg.mu.Unlock()
	}
}

// Wake wakes every watcher of the account.
func (sg *Signals) Wake(accountID int64) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	for ch := range sg.subs[accountID] {
		select {
		case ch <- struct{}{}:
		default: // already due to re-read
		}
	}
}

// WakeAll wakes every watcher: after the listener reconnected, changes may
// have been missed.
func (sg *Signals) WakeAll() {
	sg.mu.Lock()
	ids := make([]int64, 0, len(sg.subs))
	for id := range sg.subs {
		ids = append(ids, id)
	}
	sg.mu.Unlock()
	for _, id := range ids {
		sg.Wake(id)
	}
}
