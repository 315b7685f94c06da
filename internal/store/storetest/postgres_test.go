package storetest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to %s: %v", u, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func dbName(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(parsed.Path, "/")
}

func TestIsolatedDatabases(t *testing.T) {
	ctx := t.Context()
	u1, u2 := PostgresURL(t), PostgresURL(t)
	if u1 == u2 {
		t.Fatalf("two calls gave the same URL %s", u1)
	}
	if !strings.HasPrefix(u1, "postgres://") {
		t.Errorf("URL %s is not of the postgres:// form", u1)
	}
	c1, c2 := connect(t, u1), connect(t, u2)

	for _, c := range []*pgx.Conn{c1, c2} {
		var one int
		if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1: %d, %v", one, err)
		}
		var db string
		if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
			t.Fatal(err)
		}
		if want := dbName(t, c.Config().ConnString()); db != want {
			t.Errorf("connected to database %s, want %s", db, want)
		}
		var tables int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database has %d tables, want none", tables)
		}
	}

	if _, err := c1.Exec(ctx, "CREATE TABLE widget (id int PRIMARY KEY); INSERT INTO widget VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c1.QueryRow(ctx, "SELECT count(*) FROM widget").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count in first database: %d, %v", n, err)
	}
	var found *string
	if err := c2.QueryRow(ctx, "SELECT to_regclass('widget')::text").Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found != nil {
		t.Errorf("table created in the first database is visible in the second: %s", *found)
	}
}

func TestDroppedAfterTest(t *testing.T) {
	outer := t
	var u string
	t.Run("sub", func(t *testing.T) {
		u = PostgresURL(t)
		// Left open until the end of the parent test: the drop must not
		// wait for it.
		c, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		outer.Cleanup(func() { c.Close(context.Background()) })
		if _, err := c.Exec(t.Context(), "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if u == "" {
		t.Skip("subtest skipped")
	}
	name := dbName(t, u)
	au, err := adminURL()
	if err != nil {
		t.Fatal(err)
	}
	admin := connect(t, au)
	var exists bool
	err = admin.QueryRow(t.Context(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestParallel(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 20 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			u := PostgresURL(t)
			mu.Lock()
			dup := seen[u]
			seen[u] = true
			mu.Unlock()
			if dup {
				t.Errorf("URL %s given twice", u)
			}
			if _, err := connect(t, u).Exec(t.Context(), "CREATE TABLE t (x int)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:p@h:5432/app?sslmode=disable", "postgres://u:p@h:5432/t_x?sslmode=disable"},
		{"postgresql://h", "postgresql://h/t_x"},
		{"postgres://h/app?dbname=app", "postgres://h/t_x?dbname=t_x"},
	} {
		if got := withDatabase(tc.in, "t_x"); got != tc.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// recorder stands in for a testing.TB to see whether PostgresURL skips or fails.
type recorder struct {
	testing.TB
	skipped, failed string
}

type stop struct{}

func (r *recorder) Skip(args ...any)             { r.skipped = fmt.Sprint(args...); panic(stop{}) }
func (r *recorder) Fatal(args ...any)            { r.failed = fmt.Sprint(args...); panic(stop{}) }
func (r *recorder) Skipf(f string, args ...any)  { r.Skip(fmt.Sprintf(f, args...)) }
func (r *recorder) Fatalf(f string, args ...any) { r.Fatal(fmt.Sprintf(f, args...)) }

func TestUnreachable(t *testing.T) {
	// Port 1 on localhost: connection refused.
	t.Setenv("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5")
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		func() {
			defer func() {
				if v := recover(); v != nil && v != (stop{}) {
					panic(v)
				}
			}()
			u := PostgresURL(r)
			t.Errorf("CI=%q: got URL %s from an unreachable server", ci, u)
		}()
		if ci == "" && (r.skipped == "" || r.failed != "") {
			t.Errorf("CI unset: want a skip, got skip %q, failure %q", r.skipped, r.failed)
		}
		if ci == "true" && (r.failed == "" || r.skipped != "") {
			t.Errorf("CI=true: want a failure, got skip %q, failure %q", r.skipped, r.failed)
		}
		t.Logf("CI=%q: skip %q, failure %q", ci, r.skipped, r.failed)
	}
}

// A restart cuts every connection, keeps the data and the URLs. Not
// parallel: the other tests share the cluster.
func TestRestart(t *testing.T) {
	u := PostgresURL(t)
	if err := Restart(); err != nil {
		if strings.Contains(err.Error(), "TEST_DATABASE_URL") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	conn := connect(t, u)
	if _, err := conn.Exec(context.Background(), "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	if err := Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Error("a connection survived the restart")
	}
	var n int
	if err := connect(t, u).QueryRow(context.Background(), "SELECT n FROM kept").Scan(&n); err != nil || n != 7 {
		t.Errorf("after the restart: %d, %v", n, err)
	}
}
