package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// nodeClient is the testdata/node-client project, installed once per test
// process.
var nodeClient struct {
	once sync.Once
	dir  string
	err  error
}

// nodeClientDir returns a directory holding client.mjs and its installed
// packages. Without node and npm the test is skipped, except under CI,
// where it fails.
func nodeClientDir(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is needed to run the third-party clients: %v", tool, err)
			}
			t.Skipf("%s not found: the third-party clients are not run", tool)
		}
	}
	nodeClient.once.Do(func() { nodeClient.dir, nodeClient.err = installNodeClient() })
	if nodeClient.err != nil {
		t.Fatal(nodeClient.err)
	}
	return nodeClient.dir
}

// installNodeClient runs npm ci for testdata/node-client in a directory
// named for its files' hash, so that later runs reuse it: an install goes
// to a temporary directory first and is renamed into place whole.
func installNodeClient() (string, error) {
	const src = "testdata/node-client"
	files := []string{"package.json", "package-lock.json", "client.mjs"}
	sum := sha256.New()
	contents := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		contents[f] = b
		sum.Write(b)
	}
	dir := filepath.Join(os.TempDir(), "linkline-node-client-"+hex.EncodeToString(sum.Sum(nil)[:8]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "linkline-node-client-install-")
	if err != nil {
		return "", err
	}
	for f, b := range contents {
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(tmp)
		return "", errors.New("npm ci: " + err.Error() + "\n" + string(out))
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another test process installed it first.
		_ = os.RemoveAll(tmp)
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}

// R21, R24: unmodified third-party clients work against the real server,
// on both protocols: graphql-ws (graphql-transport-ws) and
// subscriptions-transport-ws (graphql-ws) subscribe after a cursor, receive
// what they missed and then a live message, complete the subscription and
// close the socket; the server sees both ends.
func TestThirdPartyClients(t *testing.T) {
	dir := nodeClientDir(t)
	bothStores(t, func(t *testing.T, kind storeKind) {
		b := setup(t, kind)
		wsURL := "ws" + strings.TrimPrefix(b.url, "http")
		for _, proto := range []string{transportWS, legacyWS} {
			c := b.start(t, b.widgetKey, "Node "+proto)
			b.mustSend(t, c, "first", "n1")
			b.mustSend(t, c, "second", "n2")

			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			cmd := exec.CommandContext(ctx, "node", "client.mjs", proto, wsURL, c.session, c.id, c.cursor, "3")
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var texts []string
			done := false
			lines := bufio.NewScanner(stdout)
			for lines.Scan() {
				var out struct {
					Event *struct {
						Kind    string
						Message *struct{ Text string }
					}
					Done  bool
					Error any
				}
				if err := json.Unmarshal(lines.Bytes(), &out); err != nil {
					t.Fatalf("%s: client printed %q", proto, lines.Text())
				}
				switch {
				case out.Error != nil:
					t.Fatalf("%s: client failed: %v", proto, out.Error)
				case out.Done:
					done = true
				case out.Event != nil && out.Event.Kind == "MESSAGE_ADDED":
					texts = append(texts, out.Event.Message.Text)
					// What it missed has arrived: the next is live.
					if len(texts) == 2 {
						b.mustSend(t, c, "third", "n3")
					}
				}
			}
			err = cmd.Wait()
			cancel()
			if err != nil || !done {
				t.Fatalf("%s: client exited with %v (done: %t)\n%s", proto, err, done, stderr.String())
			}
			if got := strings.Join(texts, ","); got != "first,second,third" {
				t.Errorf("%s: client received %q", proto, got)
			}
			waitFor(t, proto+" subscription and socket to end on the server", func() bool {
				return testutil.ToFloat64(b.app.Metrics.Subscriptions) == 0 && testutil.ToFloat64(b.app.Metrics.Sockets) == 0
			})
		}
	})
}
