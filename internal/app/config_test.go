package app

import (
	"io"
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
