// Package storetest gives each test an isolated database: PostgresURL returns the
// URL of a new, empty PostgreSQL database that only the calling test uses and
// that is dropped when the test ends.
//
// The databases live on the server named by TEST_DATABASE_URL when that is set.
// Otherwise the package starts a private, throwaway PostgreSQL cluster the first
// time a test asks for a database, one per test binary, on a free port on
// 127.0.0.1. It needs the PostgreSQL server binaries (initdb, postgres), looked
// for in /usr/lib/postgresql/*/bin (newest version first) and then in PATH.
// When running as root the cluster runs as the "postgres" OS user, since
// PostgreSQL refuses to run as root.
//
// Test packages that use PostgresURL should stop that cluster from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// If a test binary dies without reaching the end of Main (a panic, a test
// timeout, a kill), the cluster's server still shuts itself down, and its
// temporary directory is removed by the next test binary that starts one.
//
// If no PostgreSQL can be reached or started, PostgresURL skips the test, or
// fails it when the environment variable CI is true.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURL returns the connection URL (postgres://... form, usable by pgx
// and gorm.io/driver/postgres) of a new, empty PostgreSQL database that belongs
// to this test alone and is dropped when the test ends (t.Cleanup).
// When PostgreSQL cannot be reached or started: under CI=true it calls t.Fatal,
// otherwise t.Skip with the reason.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin, err := adminURL()
	if errors.Is(err, errBadURL) {
		t.Fatal("storetest:", err)
	}
	if err != nil {
		unavailable(t, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		unavailable(t, fmt.Errorf("connect to %s: %w", redact(admin), err))
	}
	defer func() { _ = conn.Close(ctx) }()

	name := "t_" + randomHex(8)
	ident := pgx.Identifier{name}.Sanitize()
	// template0 rather than the default template1: it is guaranteed empty
	// (nothing installed into template1 on a shared server leaks in) and
	// nobody can be connected to it, which would make CREATE DATABASE fail.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("storetest: create database %s on %s: %v", name, redact(admin), err)
	}
	t.Cleanup(func() {
		// Not t.Context(): it is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(ctx) }()
		// FORCE: the test may not have closed all of its connections.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

// Main runs the tests, stops the PostgreSQL cluster if one was started, and
// exits with the tests' exit code. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := stopCluster(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
	}
	os.Exit(code)
}

// unavailable ends the test because no PostgreSQL can be used: a skip
// normally, a failure under CI, where the tests must really run.
func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := "storetest: PostgreSQL unavailable: " + err.Error()
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(msg)
	}
	hint := "install the PostgreSQL server or set TEST_DATABASE_URL"
	if os.Getenv("TEST_DATABASE_URL") != "" {
		hint = "check TEST_DATABASE_URL"
	}
	t.Skipf("%s\n(%s; with CI=true this fails the test)", msg, hint)
}

var errBadURL = errors.New("TEST_DATABASE_URL must be a postgres://user:password@host:port/database URL")

// adminURL returns the URL of a database on the server to use for creating
// and dropping test databases, starting the private cluster if needed.
func adminURL() (string, error) {
	if s := os.Getenv("TEST_DATABASE_URL"); s != "" {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return "", errBadURL
		}
		return s, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if stopped {
		return "", errors.New("the private cluster has already been stopped (PostgresURL called after storetest.Main finished the tests)")
	}
	if !started {
		started = true
		clus, clusErr = startCluster()
	}
	if clusErr != nil {
		return "", clusErr
	}
	return clus.url, nil
}

// withDatabase returns the URL u with its database replaced by name.
func withDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		panic(err) // adminURL checked it
	}
	parsed.Path = "/" + name
	parsed.RawPath = ""
	if q := parsed.Query(); q.Has("dbname") { // pgx lets this override the path
		q.Set("dbname", name)
		parsed.RawQuery = q.Encode()
	}
	return parsed.String()
}

func redact(u string) string {
	if parsed, err := url.Parse(u); err == nil {
		return parsed.Redacted()
	}
	return "(unparsable URL)"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// The private cluster of this test binary, started on first use.
var (
	mu      sync.Mutex
	started bool // startCluster has been tried; its result is sticky
	stopped bool // Main has stopped the cluster
	clus    *cluster
	clusErr error
)

// cluster is a running private PostgreSQL server.
type cluster struct {
	dir  string // temporary directory with data dir, socket, log; removed by stop
	url  string // admin URL (database "postgres")
	cmd  *exec.Cmd
	quit *os.File      // closing this shuts the server down (see watchdog)
	done chan struct{} // closed when cmd has exited
	// what launch started, to start it again (Restart)
	postgres, data string
	port           int
	attr           *syscall.SysProcAttr
}

const dirPrefix = "storetest-pg-"

// watchdog is the /bin/sh script the server runs under. It starts the server
// ("$@") and shuts it down immediately (SIGQUIT, like pg_ctl stop -m
// immediate) when its stdin, a pipe from the test binary, reaches EOF: when
// the binary closes it in stop, or when the binary dies in any way. It exits
// with the server. (pg_ctl start instead detaches the server, which then
// outlives a test binary that is killed or times out.)
const watchdog = `exec 3<&0 0</dev/null
"$@" 3<&- &
pg=$!
{ read -r _ <&3; kill -QUIT "$pg"; } 2>/dev/null &
wd=$!
exec 3<&-
wait "$pg"; st=$?
kill "$wd" 2>/dev/null
exit "$st"`

func startCluster() (*cluster, error) {
	initdb, postgres, err := findBinaries()
	if err != nil {
		return nil, err
	}
	attr := &syscall.SysProcAttr{}
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, so the cluster must run as the \"postgres\" OS user: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}

	removeStaleDirs()
	// In memory when possible: on disk, creating a database takes over ten
	// times longer, as it creates some 300 files.
	parent := "" // os.TempDir()
	if roomy(shm) {
		parent = shm
	}
	dir, err := os.MkdirTemp(parent, dirPrefix)
	if err != nil && parent != "" {
		dir, err = os.MkdirTemp("", dirPrefix)
	}
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
		}
	}()
	// The owner file lets removeStaleDirs tell when this directory is abandoned.
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}

	data := filepath.Join(dir, "data")
	cmd := exec.Command(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
		"--locale=C") // the same collation and messages whatever the machine's locale
	cmd.SysProcAttr = attr
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out)
	}

	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }() // the server has its own copy

	// The free port found may be taken by someone else (another test binary
	// doing the same) before the server binds it; then try another.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		logged, _ := logFile.Seek(0, io.SeekEnd)
		c, err := launch(postgres, data, dir, port, attr, logFile)
		if err == nil {
			ok = true
			return c, nil
		}
		log, _ := os.ReadFile(logPath)
		if attempt < 5 && bytes.Contains(log[min(logged, int64(len(log))):], []byte("could not create any TCP/IP sockets")) {
			continue
		}
		if len(log) > 8000 {
			log = log[len(log)-8000:]
		}
		return nil, fmt.Errorf("start %s: %w\nserver log:\n%s", postgres, err, log)
	}
}

// launch starts the server and waits until it accepts connections.
func launch(postgres, data, dir string, port int, attr *syscall.SysProcAttr, logFile *os.File) (*cluster, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("/bin/sh", "-c", watchdog, "sh", postgres, "-D", data,
		"-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300")
	cmd.Stdin = r
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = attr
	err = cmd.Start()
	_ = r.Close() // the server has its own copy
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	c := &cluster{
		dir:  dir,
		url:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		cmd:  cmd,
		quit: w,
		done: make(chan struct{}),

		postgres: postgres, data: data, port: port, attr: attr,
	}
	go func() {
		_ = cmd.Wait() // an early exit is reported from cmd.ProcessState
		close(c.done)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.ping(data)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			c.shutdown()
			return nil, fmt.Errorf("server not ready after 30s: %w", err)
		}
		select {
		case <-c.done:
			_ = w.Close()
			return nil, fmt.Errorf("server exited: %v", cmd.ProcessState)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ping connects to the server, and checks that it is ours and not another
// one that got the same port.
func (c *cluster) ping(data string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	var dd string
	if err := conn.QueryRow(ctx, "SELECT current_setting('data_directory')").Scan(&dd); err != nil {
		return err
	}
	if dd != data {
		return fmt.Errorf("port taken by another server, with data directory %s", dd)
	}
	return nil
}

// shutdown stops the server and waits for it to exit.
func (c *cluster) shutdown() {
	_ = c.quit.Close()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// fastShutdown stops the server as pg_ctl stop -m fast does, and waits.
func (c *cluster) fastShutdown() error {
	raw, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return fmt.Errorf("postmaster.pid: %w", err)
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		return err
	}
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.shutdown()
		return errors.New("no fast shutdown within 30s")
	}
	return c.quit.Close()
}

// stop shuts the server down and removes its directory.
func (c *cluster) stop() error {
	c.shutdown()
	return os.RemoveAll(c.dir)
}

// Restart stops the private cluster with a fast shutdown (connections cut,
// what was committed kept: the cluster runs with synchronous_commit off,
// so an immediate one would lose acknowledged commits) and starts it again
// on the same port and data, so that every URL it gave stays valid. It fails on
// the server of TEST_DATABASE_URL, which is not the test's to restart, and
// before PostgresURL started the cluster.
func Restart() error {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return errors.New("storetest: cannot restart the server of TEST_DATABASE_URL")
	}
	mu.Lock()
	defer mu.Unlock()
	if clus == nil {
		return errors.New("storetest: no private cluster to restart")
	}
	if err := clus.fastShutdown(); err != nil {
		return fmt.Errorf("storetest: restart: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(clus.dir, "postgres.log"), os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }() // the server has its own copy
	c, err := launch(clus.postgres, clus.data, clus.dir, clus.port, clus.attr, logFile)
	if err != nil {
		return fmt.Errorf("storetest: restart: %w", err)
	}
	clus = c
	return nil
}

func stopCluster() error {
	mu.Lock()
	defer mu.Unlock()
	stopped = true
	if clus == nil {
		return nil
	}
	err := clus.stop()
	clus = nil
	return err
}

// findBinaries returns the paths of initdb and postgres, of the same
// installation: the newest in /usr/lib/postgresql (Debian, Ubuntu), else PATH.
func findBinaries() (initdb, postgres string, err error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) []int { // "/usr/lib/postgresql/9.6/bin" -> [9 6]
		var v []int
		for s := range strings.SplitSeq(filepath.Base(filepath.Dir(dir)), ".") {
			n, _ := strconv.Atoi(s)
			v = append(v, n)
		}
		return v
	}
	sort.Slice(dirs, func(i, j int) bool {
		a, b := version(dirs[i]), version(dirs[j])
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return len(a) > len(b)
	})
	for _, dir := range dirs {
		initdb, postgres = filepath.Join(dir, "initdb"), filepath.Join(dir, "postgres")
		if isExecutable(initdb) && isExecutable(postgres) {
			return initdb, postgres, nil
		}
	}

	initdb, err = exec.LookPath("initdb")
	if err != nil {
		return "", "", errors.New("PostgreSQL server binaries not found (no initdb in /usr/lib/postgresql/*/bin or PATH)")
	}
	// Prefer the postgres next to initdb (PATH may hold symlinks to it).
	if resolved, err := filepath.EvalSymlinks(initdb); err == nil {
		if p := filepath.Join(filepath.Dir(resolved), "postgres"); isExecutable(p) {
			return initdb, p, nil
		}
	}
	postgres, err = exec.LookPath("postgres")
	if err != nil {
		return "", "", fmt.Errorf("found %s but no postgres binary", initdb)
	}
	return initdb, postgres, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// shm is where Linux mounts a tmpfs for everyone's use.
const shm = "/dev/shm"

// roomy reports whether the file system holding dir has room for a few
// clusters, which is not so in a Docker container's 64 MB /dev/shm.
func roomy(dir string) bool {
	var st syscall.Statfs_t
	return syscall.Statfs(dir, &st) == nil && st.Bavail*uint64(st.Bsize) >= 2<<30
}

// removeStaleDirs removes the cluster directories left by test binaries that
// died without stopping their cluster. (A server still running in one shuts
// itself down once its data directory is gone.)
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	more, _ := filepath.Glob(filepath.Join(shm, dirPrefix+"*"))
	for _, dir := range append(dirs, more...) {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			// No owner yet: just being created, unless it is old.
			if fi, err := os.Stat(dir); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
				_ = os.RemoveAll(dir)
			}
			continue
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(dir)
		}
	}
}
