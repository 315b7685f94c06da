package bench

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := summarize(ds)
	if s.p50 != 50*time.Millisecond || s.p99 != 99*time.Millisecond || s.max != 100*time.Millisecond {
		t.Errorf("summarize(1..100ms) = %+v", s)
	}
	one := []time.Duration{7}
	if percentile(one, 50) != 7 || percentile(one, 99) != 7 {
		t.Error("a single value is every percentile")
	}
	if percentile(nil, 99) != 0 {
		t.Error("no values: want 0")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		in := append([]float64(nil), c.xs...)
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", in, got, c.want)
		}
		for i := range in {
			if in[i] != c.xs[i] {
				t.Errorf("median changed its input: %v", c.xs)
			}
		}
	}
}

func TestLedgerFindsLostDuplicatedAndMisroutedMessages(t *testing.T) {
	probs := &problems{}
	l := newLedger(probs)
	for _, cid := range []string{"a", "b", "c"} {
		l.sending(cid, 0)
		l.answered(cid, nil)
	}
	now := time.Now()
	l.widgetGot("a", 0, now)
	l.agentGot("a", now)
	if err := probs.err(); err != nil {
		t.Fatalf("a clean delivery is no problem: %v", err)
	}
	if !l.lastWidgetFrame().Equal(now) {
		t.Error("the last widget frame is the one just recorded")
	}
	l.widgetGot("a", 0, now) // duplicate
	l.widgetGot("b", 1, now) // another conversation's socket
	l.widgetGot("x", 0, now) // never sent
	l.check(1, false)        // b and c never reached widget 0
	if probs.n != 4 {
		t.Errorf("want 4 problems, got %v", probs.err())
	}
}

func TestFlagsDefaultToTheIssueTargets(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.subs != 1000 || cfg.senders != 16 || cfg.messages != 20000 || cfg.runs != 3 || !cfg.baseline || cfg.agentFeed || cfg.instances != 1 || cfg.accounts != 1 {
		t.Errorf("defaults = %+v", cfg)
	}
	var names []string
	for _, tg := range cfg.targets() {
		names = append(names, tg.name)
	}
	if got := strings.Join(names, ", "); got != "baseline, linkline/sqlite" {
		t.Errorf("targets = %s", got)
	}
}

func TestFlagsRefuseWhatCannotBeMeasuredFairly(t *testing.T) {
	const pg = "-database-url=postgres://u@h/db"
	for _, c := range []struct {
		args []string
		want string // in the error; "" for none
	}{
		{[]string{"-agent-feed"}, "-agent-feed needs -baseline=false"},
		{[]string{"-agent-feed", "-baseline=false"}, ""},
		{[]string{"-instances", "2"}, "needs -database-url"},
		{[]string{"-instances", "2", pg}, ""},
		{[]string{"-instances", "0"}, "-instances must be positive"},
		{[]string{"-fresh-db=false", pg}, "allows one Linkline start"},
		{[]string{"-fresh-db=false", "-runs", "1", pg}, ""},
		{[]string{"-fresh-db=false", "-runs", "1", "-instances", "2", pg}, "allows one Linkline start"},
		{[]string{"-database-url", "mysql://x"}, "must be a postgres:// URL"},
		{[]string{"-senders", "0"}, "must be positive"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-accounts", "8"}, ""},
		{[]string{"-accounts", "0"}, "-accounts must be positive"},
		{[]string{"-accounts", "11", "-subs", "10"}, "at most -subs"},
		{[]string{"-accounts", "2", "-agent-feed", "-baseline=false"}, "-agent-feed follows the demo account"},
	} {
		_, err := parseFlags(c.args, io.Discard)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want one saying %q", c.args, err, c.want)
		}
	}
}

func TestTargetsOnPostgresWithTwoInstances(t *testing.T) {
	cfg, err := parseFlags([]string{"-database-url=postgres://u@h/db", "-instances=2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ts := cfg.targets()
	if len(ts) != 3 || !ts[0].baseline || ts[1].name != "linkline/postgres" || ts[2].name != "linkline/postgres×2" || ts[2].instances != 2 {
		t.Errorf("targets = %+v", ts)
	}
	if cfg.linklineStarts() != 6 {
		t.Errorf("3 runs of two Linkline targets start it %d times", cfg.linklineStarts())
	}
}

func TestRunsAlternateWhoGoesFirst(t *testing.T) {
	if got := runOrder(2, 1); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("odd run: %v", got)
	}
	if got := runOrder(2, 2); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("even run: %v", got)
	}
	if got := runOrder(3, 4); !slices.Equal(got, []int{2, 1, 0}) {
		t.Errorf("even run of three: %v", got)
	}
}

func TestShareDealsRoundRobin(t *testing.T) {
	for _, c := range []struct{ total, n int }{{1000, 1}, {1000, 2}, {7, 3}, {2, 3}, {0, 2}} {
		sum := 0
		for k := range c.n {
			got, want := share(c.total, c.n, k), 0
			for i := range c.total {
				if i%c.n == k {
					want++
				}
			}
			if got != want {
				t.Errorf("share(%d, %d, %d) = %d, want %d", c.total, c.n, k, got, want)
			}
			sum += got
		}
		if sum != c.total {
			t.Errorf("shares of %d over %d add up to %d", c.total, c.n, sum)
		}
	}
}

func TestRatios(t *testing.T) {
	if r := ratio(4204, 9848); times(r) != "0.43×" {
		t.Errorf("ratio = %s", times(r))
	}
	if times(ratio(1, 0)) != "–" {
		t.Error("no baseline figure: want no ratio")
	}
}

func TestComparisonGivesLinklineItsRatiosToTheBaselineAndToOneInstance(t *testing.T) {
	targets := []target{
		{name: "baseline", baseline: true, instances: 1},
		{name: "linkline/postgres", db: "postgres", instances: 1},
		{name: "linkline/postgres×2", db: "postgres", instances: 2},
	}
	run := func(rate float64, p50, p99 time.Duration, kib, goroutines float64) runResult {
		return runResult{rate: rate, delivered: rate, widget: summary{p50: p50, p99: p99}, rssPerSub: kib, goroutinesPerSub: goroutines}
	}
	results := [][]runResult{
		{run(10000, time.Millisecond, 8*time.Millisecond, 50, 5), run(9000, time.Millisecond, 9*time.Millisecond, 52, 5), run(11000, 2*time.Millisecond, 7*time.Millisecond, 51, 5)},
		{run(2000, 6*time.Millisecond, 18*time.Millisecond, 88, 3), run(2500, 6*time.Millisecond, 16*time.Millisecond, 90, 3), run(2200, 7*time.Millisecond, 20*time.Millisecond, 86, 3)},
		{run(3000, 6*time.Millisecond, 18*time.Millisecond, 88, 3), run(3300, 6*time.Millisecond, 16*time.Millisecond, 90, 3), run(3500, 7*time.Millisecond, 20*time.Millisecond, 86, 3)},
	}
	cfg := config{subs: 1000, senders: 16, messages: 20000, runs: 3, protocol: transportWS}
	var out strings.Builder
	printReport(&out, cfg, targets, results)
	for _, want := range []string{
		// medians: 10000 msgs/s, p99 8 ms, 51 KiB, 5 goroutines against
		// 2200, 18 ms, 88 KiB, 3 goroutines
		"2200 (0.22×)", "18.00 (2.25×)", "88.0 (1.73×)", "3.00 (0.60×)",
		"linkline/postgres×2: 1.50× the msgs/s and 1.50× the frames/s of one instance",
		"bench: target=baseline subs=1000 senders=16 runs=3 msgs/s=10000 frames/s=10000 p50_ms=1.00 p99_ms=8.00 rss_per_sub_kib=51.0 goroutines_per_sub=5.00 protocol=graphql-transport-ws\n",
		"bench: target=linkline/postgres subs=1000 senders=16 runs=3 msgs/s=2200 frames/s=2200 p50_ms=6.00 p99_ms=18.00 rss_per_sub_kib=88.0 goroutines_per_sub=3.00 protocol=graphql-transport-ws vs_baseline_msgs=0.22 vs_baseline_p99=2.25 vs_baseline_kib=1.73 vs_baseline_goroutines=0.60\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestComparisonWithoutBaselineHasNoRatios(t *testing.T) {
	targets := []target{{name: "linkline/sqlite", db: "sqlite", instances: 1}}
	results := [][]runResult{{{rate: 4000, rssPerSub: 80}}}
	var out strings.Builder
	printReport(&out, config{runs: 1, messages: 1}, targets, results)
	if strings.Contains(out.String(), "×") || strings.Contains(out.String(), "vs_baseline") {
		t.Errorf("ratios without a baseline:\n%s", out.String())
	}
}

// Linkline on PostgreSQL refuses to start without a secrets key: every
// instance the bench starts on one database gets the same key, and the
// caller's environment chooses none of it.
func TestLaunchCarriesTheDatabasesSecretsKey(t *testing.T) {
	db, err := prepareDatabase(t.Context(), config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.cleanup() })
	if len(db.secretsKey) != 44 {
		t.Fatalf("secrets key %q is not 32 bytes in base64", db.secretsKey)
	}
	for i := range 2 {
		env := linklineLaunch(config{subs: 1}, db, i == 0).env
		if !slices.Contains(env, "SECRETS_KEY="+db.secretsKey) || !slices.Contains(env, "SECRETS_UNENCRYPTED=") {
			t.Errorf("instance %d: env %v", i, env)
		}
	}
}
