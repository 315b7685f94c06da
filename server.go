// Command linkline serves the Linkline GraphQL API: support conversations
// that move between a web chat widget and social channels. With no
// configuration it runs on an embedded SQLite file and creates a demo
// account; see README.md for the settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/linkline/linkline/internal/app"
	"github.com/linkline/linkline/internal/bench"
	"github.com/linkline/linkline/internal/faults"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		if !errors.Is(err, errHelp) {
			fmt.Fprintln(os.Stderr, "linkline:", err)
		}
		os.Exit(1)
	}
}

// errHelp exits with a failure after the help text, which said enough.
var errHelp = errors.New("help requested")

// run starts the service and serves until ctx ends, then shuts down
// gracefully: readiness fails first, in-flight requests finish, websockets
// close, queued writes commit, and the database closes last. With "bench"
// as the first argument it runs the benchmark of internal/bench instead,
// with "faults" the fault run of internal/faults.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "bench" {
		if err := bench.Run(ctx, args[1:], stdout); !errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errHelp
	}
	if len(args) > 0 && args[0] == "faults" {
		if err := faults.Command(ctx, args[1:], stdout); !errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errHelp
	}
	if app.IsOperatorCommand(args) {
		if err := app.Operate(ctx, args, getenv, stdout); !errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errHelp
	}
	cfg, err := app.ParseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)

	a, err := app.Open(ctx, cfg, log, stdout)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = a.Close(context.Background())
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		BaseContext:       func(net.Listener) context.Context { return a.BaseContext() },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cfg.DebugAddr != "" {
		debug, err := serveDebug(cfg.DebugAddr, log)
		if err != nil {
			_ = srv.Close()
			_ = a.Close(context.Background())
			return err
		}
		defer func() { _ = debug.Close() }()
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", dbKind(cfg))

	select {
	case err := <-served:
		_ = a.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	a.StartClosing()
	errHTTP := srv.Shutdown(shutCtx)
	errApp := a.Close(shutCtx)
	if err := errors.Join(errHTTP, errApp); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newLogger(cfg app.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func dbKind(cfg app.Config) string {
	if cfg.DBURL != "" {
		return "postgres"
	}
	return "sqlite:" + cfg.SQLitePath
}

// serveDebug serves the Go profiler on its own listener, so that it is never
// reachable through the public address.
func serveDebug(addr string, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiler listening", "addr", ln.Addr().String())
	return srv, nil
}
