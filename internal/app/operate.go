package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/linkline/linkline/internal/operator"
	"github.com/linkline/linkline/internal/store"
)

// IsOperatorCommand reports whether args start an operator command rather
// than the server.
func IsOperatorCommand(args []string) bool {
	return len(args) > 0 && (args[0] == "migrate" || operator.IsCommand(args[0]))
}

// Operate runs the operator command args name, with the server's
// configuration (its flags beside the command's, over the environment), on
// the server's database, migrating it first like the server does. "migrate"
// does only that.
func Operate(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if args[0] == "migrate" {
		return operate(ctx, "linkline migrate", args[1:], getenv, out, nil, func(context.Context, operator.Store, io.Writer) error {
			_, err := fmt.Fprintln(out, "the database is migrated.")
			return err
		})
	}
	cmd, rest, ok := operator.Lookup(args)
	if !ok {
		var names strings.Builder
		for _, c := range operator.Commands() {
			fmt.Fprintf(&names, "\n  linkline %-22s %s", c.Name, c.Summary)
		}
		return fmt.Errorf("unknown command %q; the operator commands are:%s\n  linkline %-22s %s",
			strings.Join(args[:min(len(args), 2)], " "), names.String(), "migrate", "apply the database migrations, then exit")
	}
	return operate(ctx, "linkline "+cmd.Name, rest, getenv, out, cmd.Flags, cmd.Run)
}

func operate(ctx context.Context, name string, args []string, getenv func(string) string, out io.Writer,
	flags func(*flag.FlagSet), run func(context.Context, operator.Store, io.Writer) error) error {
	cfg, err := parseConfig(name, args, getenv, out, flags)
	if err != nil {
		return err
	}
	// Migrations report at INFO; the command's own output is what counts.
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, store.Config{URL: cfg.DBURL, SQLitePath: cfg.SQLitePath, MaxConns: cfg.DBMaxConns, Logger: log})
	if err != nil {
		return err
	}
	return errors.Join(run(ctx, db, out), db.Close())
}
