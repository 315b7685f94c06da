package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/linkline/linkline/internal/bench/baseline"
)

// Server is a server under test: this same binary, started as Linkline
// (without the bench argument) or as the baseline, in a child process.
// The fault run (internal/faults) starts and kills its instances with it.
type Server struct {
	cmd        *exec.Cmd
	baseURL    string
	widgetKey  string
	agentToken string
	adminToken string
	// gauge is the /metrics line that counts active subscriptions.
	gauge string
	// debugURL serves the Go profiler ("": not asked for).
	debugURL string
	http     *http.Client
	// exited is closed once the process has ended; exitErr is then set.
	exited  chan struct{}
	exitErr error
}

// demoTokens are what the server prints when it seeds the demo account.
type demoTokens struct{ widgetKey, adminToken, agentToken string }

// launch is how to start one server.
type launch struct {
	// args are its arguments but -addr, which startServer adds.
	args []string
	// env is added to this process's environment.
	env   []string
	gauge string
	// tokens tells that it prints the demo account's tokens, and is not
	// ready before it did.
	tokens bool
	// debug starts the server's profiler listener.
	debug bool
	// exe is the binary to start; empty for this one.
	exe string
}

// linklineLaunch starts Linkline on db; seeds tells that db is empty, so
// that this instance seeds the demo account and prints its tokens.
func linklineLaunch(cfg config, db *Database, seeds bool) launch {
	// Limits meant for abusers would throttle the bench's one address:
	// they are off, or with -limits checked at a rate it never reaches.
	rate := "0"
	if cfg.limits {
		rate = "1000000/1s:1000000"
	}
	return launch{
		args: append([]string{
			"-rate-send-per-session", rate, "-rate-send-per-addr", rate,
			"-rate-start-per-addr", rate, "-rate-start-per-session", rate,
			"-max-sockets-per-addr", strconv.Itoa(cfg.subs + 100),
		}, db.args...),
		env:    append(db.env(), "DEMO=true", "LOG_LEVEL=warn"),
		gauge:  "linkline_subscriptions_active",
		tokens: seeds,
		debug:  cfg.profileDir != "",
	}
}

// StartLinkline starts the Linkline binary exe (this one when empty) on
// db with args added to the bench's, and returns once it is ready; seeds
// tells that db is empty, so that this instance seeds the demo account
// and its Tokens are known. It serves its profiler too.
func StartLinkline(ctx context.Context, exe string, db *Database, seeds bool, args ...string) (*Server, error) {
	l := linklineLaunch(config{}, db, seeds)
	l.args = append(l.args, args...)
	l.exe, l.debug = exe, true
	return startServer(ctx, l)
}

func baselineLaunch() launch {
	return launch{args: []string{"bench", baselineCommand}, gauge: baseline.SubscriptionsGauge}
}

func startServer(ctx context.Context, l launch) (*Server, error) {
	exe := l.exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append(slices.Clone(l.args), "-addr", addr)
	var debugURL string
	if l.debug {
		debugAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		args = append(args, "-debug-addr", debugAddr)
		debugURL = "http://" + debugAddr
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), l.env...)
	cmd.Stderr = os.Stderr
	out, w := io.Pipe()
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start server: %w", err)
	}
	// The bench reads /metrics while it measures the server's memory: asked
	// for gzip, Linkline's handler would take a compressor of about 800 KiB
	// in that window, which the baseline's plain handler does not.
	polls := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	s := &Server{cmd: cmd, baseURL: "http://" + addr, debugURL: debugURL, gauge: l.gauge, http: polls, exited: make(chan struct{})}
	go func() {
		s.exitErr = cmd.Wait()
		_ = w.Close()
		close(s.exited)
	}()
	tokens := make(chan demoTokens, 1)
	go scanOutput(out, tokens)
	if err := s.awaitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if !l.tokens {
		return s, nil
	}
	select {
	case t := <-tokens:
		s.widgetKey, s.adminToken, s.agentToken = t.widgetKey, t.adminToken, t.agentToken
		return s, nil
	case <-time.After(2 * time.Second):
		_ = s.Stop()
		return nil, errors.New("bench: the server printed no demo tokens: its database was not empty (see -fresh-db)")
	}
}

// freeAddr finds a free local port. Another process could take it before
// the server listens; that fails the start visibly.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("bench: free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// scanOutput reads the server's stdout: the demo banner's widget key,
// admin token and agent token go to tokens, and the server's log lines (warnings and
// errors at LOG_LEVEL=warn) are passed on to stderr.
func scanOutput(r io.Reader, tokens chan<- demoTokens) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	var t demoTokens
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "Widget key"); ok {
			t.widgetKey = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(line, "Admin token"); ok {
			t.adminToken = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(line, "Agent token"); ok {
			t.agentToken = strings.TrimSpace(v)
			tokens <- t
		} else if strings.HasPrefix(line, "time=") || strings.HasPrefix(line, "{") {
			fmt.Fprintln(os.Stderr, "server:", line)
		}
	}
	// Keep draining: a server blocked on a full pipe would stall.
	_, _ = io.Copy(io.Discard, r)
}

// awaitReady waits until /readyz answers 200. Linkline prints its demo
// tokens before it listens.
func (s *Server) awaitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for !s.ready(ctx) {
		if time.Now().After(deadline) {
			return errors.New("bench: server not ready within 60s")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.exited:
			return fmt.Errorf("bench: server exited before it was ready: %w", s.exitErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

func (s *Server) ready(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop ends the server as an orchestrator would: SIGTERM, then a graceful
// shutdown, killed if it takes too long.
func (s *Server) Stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if s.exitErr != nil {
			return fmt.Errorf("server: %w", s.exitErr)
		}
		return nil
	case <-time.After(40 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("server ignored SIGTERM for 40s and was killed")
	}
}

// Kill ends the process as kill -9 does, and waits for it.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

func (s *Server) pid() int { return s.cmd.Process.Pid }

// URL is the server's root, http://host:port.
func (s *Server) URL() string { return s.baseURL }

// DebugURL is the root of the server's profiler listener.
func (s *Server) DebugURL() string { return s.debugURL }

// Tokens are the demo account's, printed by the instance that seeded it.
func (s *Server) Tokens() (widgetKey, adminToken, agentToken string) {
	return s.widgetKey, s.adminToken, s.agentToken
}

// WSURL is the server's GraphQL websocket endpoint.
func (s *Server) WSURL() string { return "ws" + strings.TrimPrefix(s.baseURL, "http") + "/graphql" }

// Failed reports an early exit of the server.
func (s *Server) Failed() error {
	select {
	case <-s.exited:
		return fmt.Errorf("bench: the server exited: %w", s.exitErr)
	default:
		return nil
	}
}

// rssKiB is the server's resident set size.
func (s *Server) rssKiB() (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, fmt.Errorf("bench: server memory: %w", err)
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("bench: no VmRSS in the server's /proc status")
}

// awaitSubscriptions waits until the server counts want active
// subscriptions: gqlgen acknowledges no single subscription, and only a
// registered one is sure to receive what is sent next.
func (s *Server) awaitSubscriptions(ctx context.Context, want int) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := s.activeSubscriptions(ctx)
		if err != nil {
			return err
		}
		if n == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: the server has %d active subscriptions after 60s, want %d", n, want)
		}
		if err := s.Failed(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// activeSubscriptions reads the server's gauge of active subscriptions.
func (s *Server) activeSubscriptions(ctx context.Context) (int, error) {
	n, err := s.Metric(ctx, s.gauge)
	return int(n), err
}

// Metric reads one unlabelled figure of the server's /metrics.
func (s *Server) Metric(ctx context.Context, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("bench: no %s in /metrics", name)
}

// cpuTime is the CPU time process pid has used, from /proc/<pid>/stat.
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold anything; the fields
	// after its closing parenthesis are numbers.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// Linux reports clock ticks of USER_HZ, 100 per second on every
	// mainstream architecture.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// machineTicks reads the busy and total CPU time of the whole machine, in
// clock ticks, from /proc/stat: with the database on the same machine, it
// shows whether a figure was limited by CPU.
func machineTicks() (busy, total int64) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	// user nice system idle iowait irq softirq steal: guest time is
	// already counted in user.
	f := strings.Fields(line)
	for i := 1; i < len(f) && i <= 8; i++ {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		total += n
		if i != 4 && i != 5 {
			busy += n
		}
	}
	return busy, total
}

// profileCPU records the server's CPU for d into path.
func (s *Server) profileCPU(ctx context.Context, d time.Duration, path string) error {
	u := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debugURL, int(d.Round(time.Second).Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
