package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"
)

const (
	transportWS = "graphql-transport-ws"
	legacyWS    = "graphql-ws"
)

// config is the benchmark's flags.
type config struct {
	subs      int
	senders   int
	messages  int
	duration  time.Duration
	protocol  string
	dbURL     string
	freshDB   bool
	runs      int
	agentFeed bool
	baseline  bool
	instances int
	// accounts spreads the conversations over this many accounts.
	accounts int
	// limits keeps Linkline's per-client rate limits on, out of reach.
	limits bool
	// profileDir, when set, receives a CPU profile of each Linkline
	// server's send phase.
	profileDir string
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("linkline bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, `Usage: linkline bench [flags]

Measures Linkline against a baseline, a bare in-memory gqlgen server with
the same transport settings, alternating: each of -runs rounds runs the
baseline and Linkline (odd rounds baseline first, even rounds Linkline
first), each time in a new process started from this binary on a free local
port. Linkline runs on SQLite in a temporary directory, or on PostgreSQL with
-database-url, on an empty database whose seeded demo account provides the
widget key and agent token, with rate limits off (or out of reach, with
-limits). Each run opens -subs widget
subscriptions on as many conversations, measures the server's memory around
them, sends -messages from -senders goroutines and checks that each arrived
exactly once. The medians of each server and their ratios to the baseline
close the report.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.IntVar(&c.subs, "subs", 1000, "widget subscriptions, each on its own conversation and websocket")
	fs.IntVar(&c.senders, "senders", 16, "concurrent senders")
	fs.IntVar(&c.messages, "messages", 20000, "messages sent per run")
	fs.DurationVar(&c.duration, "duration", 0, "send for this long per run instead of -messages")
	fs.StringVar(&c.protocol, "protocol", transportWS, "websocket protocol: "+transportWS+" or "+legacyWS)
	fs.StringVar(&c.dbURL, "database-url", "", "PostgreSQL URL (postgres://...); empty runs on SQLite in a temporary directory")
	fs.BoolVar(&c.freshDB, "fresh-db", true, "with -database-url: create a new database on that server for the bench and drop it afterwards (needs CREATEDB); false uses the URL's database, which must be empty")
	fs.IntVar(&c.runs, "runs", 3, "rounds; each runs every server once, and each server's median is reported")
	fs.BoolVar(&c.baseline, "baseline", true, "also measure the in-memory baseline, alternating with Linkline, and print Linkline's ratios to it")
	fs.IntVar(&c.instances, "instances", 1, "with -database-url and more than 1: also measure this many Linkline instances sharing the database, subscriptions and senders spread across them")
	fs.IntVar(&c.accounts, "accounts", 1, "Linkline only: deal the conversations round robin over this many accounts, the demo account and others made with `accounts create`, each with a widget")
	fs.BoolVar(&c.limits, "limits", false, "check Linkline's rate limits on starts and sends, at rates the bench never reaches, to measure what checking them costs (on PostgreSQL: a round trip per send)")
	fs.StringVar(&c.profileDir, "cpu-profile", "", "with -duration: write a CPU profile of each Linkline server's send phase into this directory (go tool pprof reads them)")
	fs.BoolVar(&c.agentFeed, "agent-feed", false, "Linkline only, with -baseline=false: also follow the account feed as an agent, which must receive every message")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	return c, c.validate()
}

func (c config) validate() error {
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New("bench: "+msg))
		}
	}
	check(c.subs > 0 && c.senders > 0 && c.runs > 0, "-subs, -senders and -runs must be positive")
	check(c.messages > 0 || c.duration > 0, "-messages or -duration must be positive")
	check(c.protocol == transportWS || c.protocol == legacyWS, "-protocol must be "+transportWS+" or "+legacyWS)
	check(c.dbURL == "" || strings.HasPrefix(c.dbURL, "postgres://") || strings.HasPrefix(c.dbURL, "postgresql://"), "-database-url must be a postgres:// URL")
	check(!c.agentFeed || !c.baseline, "-agent-feed needs -baseline=false: the baseline has no account feed, so the ratios would compare unequal work")
	check(c.profileDir == "" || c.duration > 0, "-cpu-profile needs -duration: the profile covers the send phase, whose length it must know in advance")
	check(c.instances > 0, "-instances must be positive")
	check(c.accounts > 0 && c.accounts <= c.subs, "-accounts must be positive, and at most -subs")
	check(!c.agentFeed || c.accounts == 1, "-agent-feed follows the demo account, which gets every message only with -accounts 1")
	check(c.instances == 1 || c.dbURL != "", "-instances above 1 needs -database-url: instances share a PostgreSQL database")
	check(c.freshDB || c.dbURL == "" || c.linklineStarts() == 1, "-fresh-db=false allows one Linkline start (-runs 1, -instances 1): each start needs an empty database")
	return errors.Join(errs...)
}

// targets are the servers each round measures, in the order of odd rounds.
func (c config) targets() []target {
	db := "sqlite"
	if c.dbURL != "" {
		db = "postgres"
	}
	var ts []target
	if c.baseline {
		ts = append(ts, target{name: "baseline", baseline: true, instances: 1})
	}
	ts = append(ts, target{name: "linkline/" + db, db: db, instances: 1})
	if c.instances > 1 {
		ts = append(ts, target{name: fmt.Sprintf("linkline/%s×%d", db, c.instances), db: db, instances: c.instances})
	}
	return ts
}

// linklineStarts is how many times the bench starts Linkline on a new
// database.
func (c config) linklineStarts() int {
	n := 1
	if c.instances > 1 {
		n++
	}
	return n * c.runs
}

// workload says how much one run sends, and to how many accounts.
func (c config) workload() string {
	w := fmt.Sprintf("messages=%d", c.messages)
	if c.duration > 0 {
		w = "duration=" + c.duration.String()
	}
	if c.accounts > 1 {
		w += fmt.Sprintf(" accounts=%d", c.accounts)
	}
	return w
}

// raiseFileLimit makes sure need files can be open: it lifts the soft limit
// to the hard one when below need (the Go runtime usually has already), and
// explains a hard limit that is too low instead of failing on some later
// socket. The server, a child process, inherits a limit set here.
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("bench: open-files limit: %w", err)
	}
	if lim.Max < need {
		return fmt.Errorf("bench: needs %d open files but the hard limit is %d (raise it with ulimit -Hn, or lower -subs)", need, lim.Max)
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("bench: raise open-files limit: %w", err)
	}
	return nil
}
