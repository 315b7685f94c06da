package widget

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
)

// R28: origins are what browsers send, lower-cased and once each; "*"
// only by the explicit choice.
func TestOrigins(t *testing.T) {
	got, err := Origins([]string{"https://Shop.Example", "http://localhost:8080", "https://shop.example", "http://[::1]:3000", "http://127.0.0.1"}, false)
	if want := []string{"https://shop.example", "http://localhost:8080", "http://[::1]:3000", "http://127.0.0.1"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Origins = %v, %v; want %v", got, err, want)
	}
	if got, err := Origins(nil, true); err != nil || !slices.Equal(got, []string{"*"}) {
		t.Errorf("any origin: %v %v", got, err)
	}
	if got, err := Origins(nil, false); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no origin: %#v %v", got, err)
	}
	for _, bad := range []string{
		"*", "", "shop.example", "//shop.example", "ftp://shop.example", "https://", "https://shop.example/",
		"https://shop.example/chat", "https://shop.example?x", "https://shop.example?", "https://shop.example#top",
		"https://shop.example#", "https://u:p@shop.example", "https://shop.example:0", "https://shop.example:65536",
		"https://shop.example:", "https://shop.example:http", "https://*.shop.example", "https://.shop.example",
		"mailto:x@shop.example", "https://shop.example\n",
	} {
		if _, err := Origins([]string{"https://ok.example", bad}, false); !invalid(err, "allowedOrigins") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := Origins([]string{"https://shop.example"}, true); !invalid(err, "allowedOrigins") {
		t.Errorf("origins and anyOrigin: %v", err)
	}
}

func invalid(err error, field string) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == apperr.BadUserInput && e.Field == field
}

// fakeAdminStore is the settings' fake with what admins change.
type fakeAdminStore struct {
	*fakeSettingsStore
	created []*Widget
}

func (f *fakeAdminStore) SetAgentWorkspace(_ context.Context, _ int64, on bool) error {
	f.writes++
	f.account.AgentWorkspace = on
	return nil
}

func (f *fakeAdminStore) NewWidget(_ context.Context, w *Widget) error {
	f.writes++
	w.ID = 100
	f.created = append(f.created, w)
	return nil
}

func (f *fakeAdminStore) RenameWidget(_ context.Context, _, _ int64, name string) error {
	f.writes++
	f.widget.Name = name
	return nil
}

func (f *fakeAdminStore) SetWidgetOrigins(_ context.Context, _, _ int64, origins []string) error {
	f.writes++
	f.widget.AllowedOrigins = origins
	return nil
}

func (f *fakeAdminStore) DeleteWidget(_ context.Context, _, _ int64, at time.Time) error {
	f.writes++
	f.widget.DeletedAt = &at
	return nil
}

// R1, R3, R28: admins create, rename and delete widgets and switch the
// workspace; refused changes write nothing; a deleted widget is unknown,
// and its channels are turned off for links; the workspace turned off
// turns every social channel off for links across the account.
func TestAdmin(t *testing.T) {
	b := setup(t)
	acct := *suite
	b.store.account = &acct
	st := &fakeAdminStore{fakeSettingsStore: b.store}
	var revoked []auth.Revocation
	ad := NewAdmin(st, b.links, englishGreek{}, time.Now, func(context.Context, int64) error { b.woken++; return nil },
		func(_ context.Context, r auth.Revocation) error { revoked = append(revoked, r); return nil })
	ctx := context.Background()

	if _, err := ad.Create(ctx, agent, NewWidget{Name: "w"}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent creating: %v", err)
	}
	for name, n := range map[string]NewWidget{
		"no name":  {Name: " "},
		"a star":   {Name: "w", Origins: []string{"*"}},
		"language": {Name: "w", Language: "xx"},
	} {
		if _, err := ad.Create(ctx, admin, n); apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%s: %v", name, err)
		}
	}
	if st.writes != 0 {
		t.Fatalf("refused changes wrote %d times", st.writes)
	}
	w, err := ad.Create(ctx, admin, NewWidget{Name: " Shop ", Origins: []string{"https://shop.example"}, Language: "el"})
	if err != nil || w.Name != "Shop" || w.Language != "el" || w.AccountID != 1 || len(w.Key) != len("wk_")+32 || w.Key == NewKey() {
		t.Fatalf("created %+v %v", w, err)
	}

	if _, err := ad.Rename(ctx, admin, 5, "Store"); err != nil || b.store.widget.Name != "Store" {
		t.Errorf("rename: %v", err)
	}
	if _, err := ad.SetOrigins(ctx, admin, 5, []string{"https://b.example"}, false); err != nil || !slices.Equal(b.store.widget.AllowedOrigins, []string{"https://b.example"}) {
		t.Errorf("origins: %v", err)
	}
	if err := ad.Delete(ctx, admin, 5); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.links.off, []string{"5 WHATSAPP"}) {
		t.Errorf("deleting turned off %v", b.links.off)
	}
	if !slices.Equal(revoked, []auth.Revocation{{Grant: auth.GrantWidget, ID: 5}}) {
		t.Errorf("deleting revoked %v", revoked)
	}
	for name, err := range map[string]error{
		"rename":  func() error { _, err := ad.Rename(ctx, admin, 5, "x"); return err }(),
		"delete":  ad.Delete(ctx, admin, 5),
		"read":    func() error { _, err := b.settings.Widget(ctx, admin, 5); return err }(),
		"channel": func() error { _, err := b.settings.SetChannels(ctx, admin, 5, nil); return err }(),
	} {
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("%s a deleted widget: %v", name, err)
		}
	}

	b.links.off = nil
	a, err := ad.SetAgentWorkspace(ctx, admin, false)
	if err != nil || a.AgentWorkspace {
		t.Fatalf("off: %+v %v", a, err)
	}
	if !slices.Equal(b.links.off, []string{"0 WHATSAPP", "0 MESSENGER", "0 INSTAGRAM"}) {
		t.Errorf("switching off turned off %v", b.links.off)
	}
	if m := Missing(st.account, st.its); !slices.Equal(m, []Prerequisite{PrerequisiteAgentWorkspace}) {
		t.Errorf("missing %v", m)
	}
	writes := st.writes
	if _, err := ad.SetAgentWorkspace(ctx, admin, false); err != nil || st.writes != writes {
		t.Errorf("switching off twice: %v, %d writes", err, st.writes-writes)
	}
	if a, err := ad.SetAgentWorkspace(ctx, admin, true); err != nil || !a.AgentWorkspace || len(b.links.off) != 3 {
		t.Errorf("on: %+v %v %v", a, err, b.links.off)
	}
	if _, err := ad.SetAgentWorkspace(ctx, agent, false); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("an agent switching: %v", err)
	}
}
