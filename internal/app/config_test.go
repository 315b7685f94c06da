package app

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// R34: the timeouts that bound a send keep their order, HTTP call < job
// run < rescue of a job whose process died; a configuration that breaks it
// is refused at start, by flag or by environment.
func TestConfigTimeoutOrder(t *testing.T) {
	noEnv := func(string) string { return "" }
	cfg, err := ParseConfig(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !(cfg.GraphTimeout < cfg.JobTimeout && cfg.JobTimeout < cfg.JobRescueAfter) || cfg.JobRescueAfter.Minutes() > 5 {
		t.Errorf("defaults: graph %s, job %s, rescue %s", cfg.GraphTimeout, cfg.JobTimeout, cfg.JobRescueAfter)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"job timeout under the HTTP timeout", []string{"-graph-timeout", "30s", "-job-timeout", "20s"}, nil},
		{"job timeout equal to the HTTP timeout", []string{"-graph-timeout", "30s", "-job-timeout", "30s"}, nil},
		{"rescue before the job timeout", []string{"-job-rescue-after", "30s"}, nil},
		{"rescue before the job timeout, by environment", nil, map[string]string{"JOB_TIMEOUT": "5m"}},
		{"no HTTP timeout", []string{"-graph-timeout", "0s"}, nil},
	} {
		_, err := ParseConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "GRAPH_TIMEOUT") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := ParseConfig([]string{"-graph-timeout", "1s", "-job-timeout", "2s", "-job-rescue-after", "3s"}, noEnv, io.Discard); err != nil {
		t.Errorf("an ordered configuration: %v", err)
	}
}

// R20: the keys that seal integration credentials are checked at start:
// each must be 32 bytes in base64, old keys need a current one, and
// clear storage is not asked for alongside a key. PostgreSQL without a
// key refuses to start unless clear storage is asked for; SQLite keeps a
// key file of its own.
func TestConfigSecretsKeys(t *testing.T) {
	key := newSecretsKey()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"short key", map[string]string{"SECRETS_KEY": "AAAA"}, "SECRETS_KEY"},
		{"not base64", map[string]string{"SECRETS_KEY": "not a key!"}, "SECRETS_KEY"},
		{"bad old key", map[string]string{"SECRETS_KEY": key, "SECRETS_OLD_KEYS": key + ",AAAA"}, "SECRETS_OLD_KEYS"},
		{"old keys alone", map[string]string{"SECRETS_OLD_KEYS": key}, "needs a SECRETS_KEY"},
		{"key and clear", map[string]string{"SECRETS_KEY": key, "SECRETS_UNENCRYPTED": "true"}, "contradict"},
	} {
		_, err := ParseConfig(nil, func(k string) string { return tc.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	cfg, err := ParseConfig(nil, func(k string) string {
		return map[string]string{"SECRETS_KEY": key, "SECRETS_OLD_KEYS": newSecretsKey() + ", " + newSecretsKey()}[k]
	}, io.Discard)
	if err != nil || len(cfg.SecretsOldKeys) != 2 {
		t.Fatalf("a key and two old ones: %v, %v", cfg.SecretsOldKeys, err)
	}

	log := slog.New(slog.DiscardHandler)
	pg := Config{DBURL: "postgres://u@h/db"}
	if _, err := pg.secretKeys(log); err == nil || !strings.Contains(err.Error(), "SECRETS_KEY is required") {
		t.Errorf("PostgreSQL without a key: %v", err)
	}
	pg.SecretsUnencrypted = true
	if k, err := pg.secretKeys(log); err != nil || k != nil {
		t.Errorf("PostgreSQL in clear: %v, %v", k, err)
	}
	lite := Config{SQLitePath: filepath.Join(t.TempDir(), "data", "linkline.db")}
	first, err := lite.secretKeys(log)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(lite.SQLitePath + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	again, err := lite.secretKeys(log)
	if err != nil || again.Current() != first.Current() {
		t.Errorf("SQLite's second start: key %v, %v; want the kept one", again, err)
	}
}
