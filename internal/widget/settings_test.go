package widget

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/social"
)

var (
	suite = &account.Account{ID: 1, Plan: account.PlanSuiteProfessional, AgentWorkspace: true}
	admin = &auth.Actor{Agent: &account.Agent{ID: 9, AccountID: 1, Role: account.RoleAdmin}}
	agent = &auth.Actor{Agent: &account.Agent{ID: 8, AccountID: 1, Role: account.RoleAgent}}
)

func integ(id int64, ch social.Channel, st integration.Status) *integration.Integration {
	return &integration.Integration{ID: id, AccountID: 1, Channel: ch, Status: st, DisplayName: fmt.Sprint("it", id), Handle: fmt.Sprint("h", id)}
}

// fakeSettingsStore is one account, its integrations and one widget.
type fakeSettingsStore struct {
	account *account.Account
	its     []*integration.Integration
	widget  *Widget
	writes  int
}

func (f *fakeSettingsStore) Account(context.Context, int64) (*account.Account, error) {
	return f.account, nil
}

func (f *fakeSettingsStore) Integrations(context.Context, int64) ([]*integration.Integration, error) {
	return f.its, nil
}

func (f *fakeSettingsStore) Widgets(context.Context, int64) ([]*Widget, error) {
	return []*Widget{f.widget}, nil
}

func (f *fakeSettingsStore) Widget(_ context.Context, accountID, id int64) (*Widget, error) {
	if accountID != f.widget.AccountID || id != f.widget.ID {
		return nil, apperr.NotFoundf("widget")
	}
	w := *f.widget
	return &w, nil
}

func (f *fakeSettingsStore) SetWidgetChannels(_ context.Context, _, _ int64, channels []string) error {
	f.writes++
	f.widget.SocialChannels = channels
	return nil
}

func (f *fakeSettingsStore) SetWidgetLanguage(_ context.Context, _, _ int64, lang string) error {
	f.writes++
	f.widget.Language = lang
	return nil
}

// fakeLinks records the channels turned off, by widget.
type fakeLinks struct{ off []string }

func (f *fakeLinks) ChannelOff(_ context.Context, _, widgetID int64, ch social.Channel) error {
	f.off = append(f.off, fmt.Sprint(widgetID, " ", ch))
	return nil
}

// englishGreek is a catalog that speaks en and el.
type englishGreek struct{}

func (englishGreek) Parse(tag string) (string, error) {
	if tag == "en" || tag == "el" {
		return tag, nil
	}
	return "", apperr.Invalid("language", "%q is not supported", tag)
}

type bundle struct {
	store    *fakeSettingsStore
	links    *fakeLinks
	settings *Settings
	woken    int
}

// setup is a Suite account with an active WhatsApp and Messenger, and
// widget 5 offering WhatsApp.
func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{
		store: &fakeSettingsStore{account: suite, its: []*integration.Integration{
			integ(7, social.WhatsApp, integration.StatusActive),
			integ(8, social.Messenger, integration.StatusActive),
			integ(9, social.Instagram, integration.StatusDisabled),
		}, widget: &Widget{ID: 5, AccountID: 1, SocialChannels: []string{"WHATSAPP"}, Language: "en"}},
		links: &fakeLinks{},
	}
	b.settings = NewSettings(b.store, b.links, englishGreek{}, func(context.Context, int64) error { b.woken++; return nil })
	return b
}

// R1: linking needs a Suite plan, the agent workspace and an active social
// integration; each missing one is named.
func TestMissingPrerequisites(t *testing.T) {
	active := []*integration.Integration{integ(1, social.WhatsApp, integration.StatusActive)}
	inactive := []*integration.Integration{integ(1, social.WhatsApp, integration.StatusDisabled), integ(2, social.Messenger, integration.StatusFailing)}
	for name, tc := range map[string]struct {
		account *account.Account
		its     []*integration.Integration
		want    []Prerequisite
	}{
		"all met":               {suite, active, nil},
		"support plan":          {&account.Account{Plan: account.PlanSupportTeam, AgentWorkspace: true}, active, []Prerequisite{PrerequisiteSuitePlan}},
		"no agent workspace":    {&account.Account{Plan: account.PlanSuiteTeam}, active, []Prerequisite{PrerequisiteAgentWorkspace}},
		"no active channel":     {suite, inactive, []Prerequisite{PrerequisiteSocialChannel}},
		"nothing at all":        {&account.Account{Plan: account.PlanSupportTeam}, nil, []Prerequisite{PrerequisiteSuitePlan, PrerequisiteAgentWorkspace, PrerequisiteSocialChannel}},
		"suite, no channel yet": {suite, nil, []Prerequisite{PrerequisiteSocialChannel}},
	} {
		if got := Missing(tc.account, tc.its); !slices.Equal(got, tc.want) {
			t.Errorf("%s: missing %v, want %v", name, got, tc.want)
		}
	}
}

// R1, R20: admins read what their account lacks; an empty list, not null,
// when nothing does.
func TestPrerequisitesForAdmins(t *testing.T) {
	b := setup(t)
	if got, err := b.settings.Prerequisites(t.Context(), admin); err != nil || got == nil || len(got) != 0 {
		t.Errorf("all met: %v, %v", got, err)
	}
	b.store.account = &account.Account{ID: 1, Plan: account.PlanSupportTeam, AgentWorkspace: true}
	if got, err := b.settings.Prerequisites(t.Context(), admin); err != nil || !slices.Equal(got, []Prerequisite{PrerequisiteSuitePlan}) {
		t.Errorf("support plan: %v, %v", got, err)
	}
	if _, err := b.settings.Prerequisites(t.Context(), agent); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent: %v", err)
	}
}

// R4: the menu is the widget's settings ∩ the account's active
// integrations ∩ its prerequisites, in the settings' order, each channel
// through its first active integration.
func TestMenu(t *testing.T) {
	w := &Widget{AccountID: 1, SocialChannels: []string{"INSTAGRAM", "MESSENGER", "WHATSAPP"}}
	its := []*integration.Integration{
		integ(1, social.WhatsApp, integration.StatusFailing),
		integ(2, social.WhatsApp, integration.StatusActive),
		integ(3, social.WhatsApp, integration.StatusActive),
		integ(4, social.Messenger, integration.StatusActive),
		integ(5, social.Instagram, integration.StatusDisabled),
	}
	got := menu(w, suite, its)
	var ids []int64
	for _, o := range got {
		ids = append(ids, o.IntegrationID)
	}
	if !slices.Equal(ids, []int64{4, 2}) || got[0].Channel != social.Messenger || got[1].Handle != "h2" || got[1].DisplayName != "it2" {
		t.Errorf("menu %+v, want Messenger through 4 then WhatsApp through 2", got)
	}
	if got := menu(&Widget{AccountID: 1}, suite, its); got == nil || len(got) != 0 {
		t.Errorf("no channels chosen: %+v, want an empty menu", got)
	}
	support := &account.Account{Plan: account.PlanSupportTeam, AgentWorkspace: true}
	if got := menu(w, support, its); got == nil || len(got) != 0 {
		t.Errorf("a prerequisite missing: %+v, want an empty menu", got)
	}
}

// R1, R2: choosing channels needs every prerequisite and an active
// integration for each; a refusal is coded and changes nothing.
func TestSetChannelsValidates(t *testing.T) {
	b := setup(t)
	for name, tc := range map[string]struct {
		actor    *auth.Actor
		channels []social.Channel
		code     apperr.Code
	}{
		"an agent":             {agent, []social.Channel{social.Messenger}, apperr.Forbidden},
		"disabled integration": {admin, []social.Channel{social.WhatsApp, social.Instagram}, apperr.ChannelNotEnabled},
		"the web widget":       {admin, []social.Channel{social.WebWidget}, apperr.ChannelNotEnabled},
		"unknown channel":      {admin, []social.Channel{"TELEGRAM"}, apperr.ChannelNotEnabled},
	} {
		if _, err := b.settings.SetChannels(t.Context(), tc.actor, 5, tc.channels); apperr.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	if _, err := b.settings.SetChannels(t.Context(), admin, 6, nil); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown widget: %v", err)
	}

	b.store.account = &account.Account{ID: 1, Plan: account.PlanSupportTeam}
	_, err := b.settings.SetChannels(t.Context(), admin, 5, []social.Channel{social.WhatsApp})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.PrerequisiteMissing || !slices.Equal(e.Missing, []string{"SUITE_PLAN", "AGENT_WORKSPACE"}) {
		t.Errorf("prerequisites missing: %v", err)
	}
	if b.store.writes != 0 || len(b.links.off) != 0 || b.woken != 0 {
		t.Errorf("refusals changed something: %d writes, off %v, %d wake-ups", b.store.writes, b.links.off, b.woken)
	}
	// Turning linking off needs nothing.
	if w, err := b.settings.SetChannels(t.Context(), admin, 5, nil); err != nil || len(w.SocialChannels) != 0 {
		t.Errorf("clearing without prerequisites: %+v, %v", w, err)
	}
}

// R2, R3: saved channels are stored once each, in order; each channel
// deselected is turned off for links, for this widget only; open widgets
// are told once per save.
func TestSetChannelsTurnsDeselectedOff(t *testing.T) {
	b := setup(t)
	w, err := b.settings.SetChannels(t.Context(), admin, 5, []social.Channel{social.Messenger, social.WhatsApp, social.Messenger})
	if err != nil || !slices.Equal(w.SocialChannels, []string{"MESSENGER", "WHATSAPP"}) || !slices.Equal(b.store.widget.SocialChannels, w.SocialChannels) {
		t.Fatalf("saved %+v, %v", w, err)
	}
	if len(b.links.off) != 0 || b.woken != 1 {
		t.Errorf("adding a channel turned %v off, woke %d times", b.links.off, b.woken)
	}
	if _, err := b.settings.SetChannels(t.Context(), admin, 5, []social.Channel{social.Messenger}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.links.off, []string{"5 WHATSAPP"}) || b.woken != 2 {
		t.Errorf("deselecting WhatsApp turned %v off, woke %d times", b.links.off, b.woken)
	}
	b.links.off = nil
	if _, err := b.settings.SetChannels(t.Context(), admin, 5, []social.Channel{social.Messenger}); err != nil || len(b.links.off) != 0 {
		t.Errorf("saving unchanged settings: %v, turned %v off", err, b.links.off)
	}
}

// R27: an admin sets a widget's language to one the catalog speaks; any
// other changes nothing.
func TestSetLanguage(t *testing.T) {
	b := setup(t)
	if w, err := b.settings.SetLanguage(t.Context(), admin, 5, "el"); err != nil || w.Language != "el" || b.store.widget.Language != "el" || b.woken != 1 {
		t.Fatalf("el: %+v, %v, woken %d", w, err, b.woken)
	}
	if _, err := b.settings.SetLanguage(t.Context(), admin, 5, "fr"); apperr.CodeOf(err) != apperr.BadUserInput {
		t.Errorf("fr: %v", err)
	}
	if _, err := b.settings.SetLanguage(t.Context(), agent, 5, "en"); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent: %v", err)
	}
	if b.store.widget.Language != "el" || b.store.writes != 1 {
		t.Errorf("refusals changed the language: %q, %d writes", b.store.widget.Language, b.store.writes)
	}
}
