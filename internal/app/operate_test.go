package app

import (
	"bytes"
	"strings"
	"testing"
)

// operate runs an operator command on b's database, configured the way an
// operator would: by environment, with the command's flags.
func (b *testBundle) operate(t *testing.T, args ...string) string {
	t.Helper()
	env := map[string]string{"DATABASE_URL": b.cfg.DBURL, "SQLITE_PATH": b.cfg.SQLitePath}
	var out bytes.Buffer
	if err := Operate(t.Context(), args, func(k string) string { return env[k] }, &out); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// lastLine is a command's last line of output: where a token is printed.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// R1, R20: an operator bootstraps an account on an empty database from the
// command line, with the server's configuration; its admin works through
// the API, sees the plan the operator set, and a rotated token replaces
// the old one.
func TestOperatorBootstrap(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := &testBundle{cfg: testConfig(t, kind)}
		if out := b.operate(t, "migrate"); !strings.Contains(out, "migrated") {
			t.Errorf("migrate: %s", out)
		}
		out := b.operate(t, "accounts", "create", "-name", "Acme Ltd", "-plan", "SUPPORT_TEAM", "-admin-name", "Ann", "-admin-email", "ann@acme.example")
		token := lastLine(out)
		if list := b.operate(t, "accounts", "list"); !strings.Contains(list, "Acme Ltd") || !strings.Contains(list, "SUPPORT_TEAM") {
			t.Errorf("list:\n%s", list)
		}

		b.serve(t)
		const prereqs = `{ viewer { roles account { name } } linkingPrerequisites }`
		var got struct {
			Viewer struct {
				Roles   []string
				Account struct{ Name string }
			}
			LinkingPrerequisites []string
		}
		b.post(t, token, prereqs, nil).decode(t, &got)
		if got.Viewer.Account.Name != "Acme Ltd" || !strings.Contains(strings.Join(got.Viewer.Roles, ","), "ADMIN") ||
			!strings.Contains(strings.Join(got.LinkingPrerequisites, ","), "SUITE_PLAN") {
			t.Errorf("the new admin reads %+v", got)
		}
		b.operate(t, "accounts", "set-plan", "-account", "1", "-plan", "SUITE_GROWTH")
		b.post(t, token, prereqs, nil).decode(t, &got)
		if strings.Contains(strings.Join(got.LinkingPrerequisites, ","), "SUITE_PLAN") {
			t.Errorf("after set-plan, still missing %v", got.LinkingPrerequisites)
		}

		rotated := lastLine(b.operate(t, "admins", "rotate-token", "-account", "1", "-email", "ann@acme.example"))
		// A new instance: a running one trusts a token it checked for up
		// to 30 s.
		b.stop(t)
		b.serve(t)
		if r := b.post(t, token, prereqs, nil); r.code() != "UNAUTHENTICATED" {
			t.Errorf("the old token after rotation: %+v", r.Errors)
		}
		if r := b.post(t, rotated, prereqs, nil); len(r.Errors) > 0 {
			t.Errorf("the rotated token: %+v", r.Errors)
		}
	})
}
