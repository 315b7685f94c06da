package widget

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/social"
)

// AdminStore is what admins' changes to widgets and to the agent
// workspace need from storage.
type AdminStore interface {
	Account(ctx context.Context, id int64) (*account.Account, error)
	SetAgentWorkspace(ctx context.Context, accountID int64, on bool) error
	NewWidget(ctx context.Context, w *Widget) error
	Widget(ctx context.Context, accountID, id int64) (*Widget, error)
	RenameWidget(ctx context.Context, accountID, id int64, name string) error
	SetWidgetOrigins(ctx context.Context, accountID, id int64, origins []string) error
	DeleteWidget(ctx context.Context, accountID, id int64, at time.Time) error
}

// Admin is what admins do to their account's widgets and to its agent
// workspace switch (R1, R28).
type Admin struct {
	store     AdminStore
	links     Links
	languages Languages
	now       func() time.Time
	// changed tells every instance that an account's menus may have
	// changed (R3).
	changed func(ctx context.Context, accountID int64) error
	// revoke ends, on every instance, what a widget's sessions hold: their
	// sockets close.
	revoke func(ctx context.Context, r auth.Revocation) error
}

// NewAdmin returns the admin service.
func NewAdmin(store AdminStore, links Links, languages Languages, now func() time.Time,
	changed func(ctx context.Context, accountID int64) error, revoke func(ctx context.Context, r auth.Revocation) error) *Admin {
	return &Admin{store: store, links: links, languages: languages, now: now, changed: changed, revoke: revoke}
}

// NewWidget is a widget to create.
type NewWidget struct {
	Name string
	// Origins are where the widget may be used from; AnyOrigin allows
	// every origin instead, and only it does.
	Origins   []string
	AnyOrigin bool
	// Language defaults to DefaultLanguage.
	Language string
}

// Widget limits: a name fits a list, and an allow-list stays one.
const (
	maxWidgetName = 100
	maxOrigins    = 50
	maxOriginLen  = 255
)

// Create creates a widget with a new public key.
func (ad *Admin) Create(ctx context.Context, actor *auth.Actor, n NewWidget) (*Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	name, err := widgetName(n.Name)
	if err != nil {
		return nil, err
	}
	origins, err := Origins(n.Origins, n.AnyOrigin)
	if err != nil {
		return nil, err
	}
	lang := DefaultLanguage
	if n.Language != "" {
		if lang, err = ad.languages.Parse(n.Language); err != nil {
			return nil, err
		}
	}
	w := &Widget{AccountID: actor.AccountID(), Key: NewKey(), Name: name, AllowedOrigins: origins, SocialChannels: []string{}, Language: lang}
	if err := ad.store.NewWidget(ctx, w); err != nil {
		return nil, err
	}
	return w, nil
}

// Rename renames a widget.
func (ad *Admin) Rename(ctx context.Context, actor *auth.Actor, id int64, name string) (*Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	name, err := widgetName(name)
	if err != nil {
		return nil, err
	}
	w, err := live(ctx, ad.store, actor.AccountID(), id)
	if err != nil {
		return nil, err
	}
	if err := ad.store.RenameWidget(ctx, w.AccountID, w.ID, name); err != nil {
		return nil, err
	}
	w.Name = name
	return w, ad.changed(ctx, w.AccountID)
}

// SetOrigins sets where a widget may be used from. Sessions' tokens work
// only there (R20); open pages elsewhere lose the widget at their next
// read.
func (ad *Admin) SetOrigins(ctx context.Context, actor *auth.Actor, id int64, origins []string, anyOrigin bool) (*Widget, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	list, err := Origins(origins, anyOrigin)
	if err != nil {
		return nil, err
	}
	w, err := live(ctx, ad.store, actor.AccountID(), id)
	if err != nil {
		return nil, err
	}
	if err := ad.store.SetWidgetOrigins(ctx, w.AccountID, w.ID, list); err != nil {
		return nil, err
	}
	w.AllowedOrigins = list
	return w, ad.changed(ctx, w.AccountID)
}

// Delete deletes a widget: its key and its sessions stop working (their
// sockets close on every instance), its links end as if its channels were
// deselected (R3), and its conversations stay, with their history, for the
// agents.
func (ad *Admin) Delete(ctx context.Context, actor *auth.Actor, id int64) error {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return err
	}
	w, err := live(ctx, ad.store, actor.AccountID(), id)
	if err != nil {
		return err
	}
	if err := ad.store.DeleteWidget(ctx, w.AccountID, w.ID, ad.now()); err != nil {
		return err
	}
	for _, ch := range w.SocialChannels {
		if err := ad.links.ChannelOff(ctx, w.AccountID, w.ID, social.Channel(ch)); err != nil {
			return err
		}
	}
	if err := ad.revoke(ctx, auth.Revocation{Grant: auth.GrantWidget, ID: w.ID}); err != nil {
		return err
	}
	return ad.changed(ctx, w.AccountID)
}

// SetAgentWorkspace switches the account's agent workspace on or off.
// Linking needs it (R1): turning it off turns every social channel off
// for links, as removing the last integration would (R3), and empties
// every widget's menu at once.
func (ad *Admin) SetAgentWorkspace(ctx context.Context, actor *auth.Actor, on bool) (*account.Account, error) {
	if err := auth.Require(actor, auth.RoleAdmin); err != nil {
		return nil, err
	}
	a, err := ad.store.Account(ctx, actor.AccountID())
	if err != nil {
		return nil, err
	}
	if a.AgentWorkspace == on {
		return a, nil
	}
	if err := ad.store.SetAgentWorkspace(ctx, a.ID, on); err != nil {
		return nil, err
	}
	a.AgentWorkspace = on
	if !on {
		for _, ch := range social.Socials() {
			if err := ad.links.ChannelOff(ctx, a.ID, 0, ch); err != nil {
				return nil, err
			}
		}
	}
	return a, ad.changed(ctx, a.ID)
}

func widgetName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", apperr.Invalid("name", "is required")
	case utf8.RuneCountInString(name) > maxWidgetName:
		return "", apperr.Invalid("name", "is longer than %d characters", maxWidgetName)
	}
	return name, nil
}

// Origins validates the origins an admin allows a widget to be used from,
// as browsers send them: scheme://host[:port], http or https, with no
// path, query, fragment or credentials. It returns them lower-cased, once
// each, in the order given. Any origin is allowed only by anyOrigin, never
// by a "*" slipped into the list: a widget open to every site is a choice.
func Origins(origins []string, anyOrigin bool) ([]string, error) {
	if anyOrigin {
		if len(origins) > 0 {
			return nil, apperr.Invalid("allowedOrigins", "must be empty when anyOrigin is set")
		}
		return []string{"*"}, nil
	}
	if len(origins) > maxOrigins {
		return nil, apperr.Invalid("allowedOrigins", "has more than %d origins", maxOrigins)
	}
	out := []string{}
	for _, o := range origins {
		norm, why := origin(o)
		if why != "" {
			return nil, apperr.Invalid("allowedOrigins", "%.300q is not an origin: %s", o, why)
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	return out, nil
}

// origin returns s normalised, or why it is not an origin.
func origin(s string) (string, string) {
	if s == "*" {
		return "", "allow every origin with anyOrigin instead"
	}
	if len(s) > maxOriginLen {
		return "", "too long"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Opaque != "":
		return "", "write it as scheme://host[:port]"
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "the scheme must be http or https"
	case u.User != nil:
		return "", "an origin has no credentials"
	case u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(s, "#"):
		return "", "an origin has no path, query or fragment (not even a trailing /)"
	case u.Hostname() == "" || strings.Contains(u.Hostname(), "*"):
		return "", "the host is missing or a wildcard"
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", "the port must be 1 to 65535"
		}
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip == nil && strings.Trim(host, ".") != host {
		return "", "the host is not a name"
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), ""
}

// NewKey returns a new public widget key: unguessable, so that a page
// cannot find other companies' widgets by trying keys.
func NewKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "wk_" + hex.EncodeToString(b)
}
