package metrics

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// exposed is every metric name the service can serve.
func exposed(t *testing.T) map[string]bool {
	m := New()
	m.WatchQueues(func(context.Context) ([]Waiting, error) {
		return []Waiting{{Queue: "default", Kind: "k", Jobs: 1}}, nil
	}, slog.New(slog.DiscardHandler))
	m.WatchIntegrations(func(context.Context) ([]Integrations, error) {
		return []Integrations{{Channel: "WHATSAPP", Status: "FAILING", Count: 1, Failing: []int64{1}}}, nil
	}, slog.New(slog.DiscardHandler))
	m.WatchListener(func() bool { return true })
	m.WatchSQLiteLog(func() float64 { return 0 })
	names := map[string]bool{}
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	// Vectors with no sample yet are known by their descriptions, and so
	// is the pool's collector, which needs a database to collect.
	descs := make(chan *prometheus.Desc, 1000)
	v := reflect.ValueOf(m).Elem()
	for _, f := range v.Fields() {
		if c, ok := reflect.TypeAssert[prometheus.Collector](f); ok {
			c.Describe(descs)
		}
	}
	collectors.NewDBStatsCollector(nil, "linkline").Describe(descs)
	close(descs)
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		names[fq.FindStringSubmatch(d.String())[1]] = true
	}
	return names
}

// The shipped dashboard and alert rules ask only for metrics the service
// serves: a renamed metric fails here, not on an operator's screen (R38).
func TestOpsFilesNameServedMetrics(t *testing.T) {
	names := exposed(t)
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	raw, err := os.ReadFile("ops/dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	rules, err := os.ReadFile("ops/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{"alerts.yml": string(rules)}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			texts["dashboard: "+p.Title] += tg.Expr + "\n"
		}
	}
	metric := regexp.MustCompile(`\b(?:linkline|go_sql)_[a-z_]+`)
	for where, text := range texts {
		for _, name := range metric.FindAllString(text, -1) {
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && names[b] {
					base = b
				}
			}
			if !names[base] {
				t.Errorf("%s: %s is not a metric the service serves", where, name)
			}
		}
	}
	if len(dash.Panels) == 0 {
		t.Error("the dashboard has no panels")
	}
}
