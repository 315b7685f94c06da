package faults

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Command runs the fault run with the command-line args that follow
// "faults", printing its summary to out.
func Command(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("linkline faults", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, `Usage: linkline faults -database-url postgres://... [flags]

Runs two Linkline instances (this binary) on a new database of the
PostgreSQL server named, under a mixed load, while it kills one with -9 and
restarts it, restarts PostgreSQL (with -restart-db), and makes a fake Graph
API fail in bursts of 503s and timeouts; then checks that every
acknowledged message is stored once, every reply ends in a final state with
at most one duplicate per crash or unanswered send, every subscriber's stream is whole and in
order, and the surviving instance's goroutines and open files are back to
their baseline. Exits non-zero when an invariant breaks.

Flags:
`)
		fs.PrintDefaults()
	}
	cfg := Config{}
	var restart string
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL server URL (postgres://...); the run creates a database there (needs CREATEDB) and drops it")
	fs.DurationVar(&cfg.Duration, "duration", 2*time.Minute, "how long the load and the faults run")
	fs.DurationVar(&cfg.Every, "every", 5*time.Second, "a fault every this long, in turn: Graph 503 burst, Graph timeout burst, kill -9, PostgreSQL restart")
	fs.DurationVar(&cfg.Settle, "settle", 90*time.Second, "longest wait for the service to catch up after the load")
	fs.StringVar(&restart, "restart-db", "", `shell command restarting the PostgreSQL server, e.g. "pg_ctlcluster 15 main restart -m immediate" (empty: no database restarts)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("faults: unexpected arguments %q", fs.Args())
	}
	if !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		return errors.New("faults: -database-url must be a postgres:// URL: the instances share one PostgreSQL database")
	}
	if cfg.Duration <= 0 || cfg.Every <= 0 || cfg.Settle <= 0 {
		return errors.New("faults: -duration, -every and -settle must be positive")
	}
	if restart != "" {
		cfg.RestartDatabase = func(ctx context.Context) error {
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", restart)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			return cmd.Run()
		}
	}
	_, err := Run(ctx, cfg, out)
	return err
}
