package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's Chromium, headless, through chromedp: the
// pages as a person uses them, against the real server. .ci/run installs
// Chromium; elsewhere a machine without it skips these tests.

// screenshots is where the browser tests leave what each step showed, one
// folder per test (README: Pages).
const screenshots = "testdata/screenshots"

// newTab starts a Chromium of the test's own and returns its first tab.
// Without Chromium the test skips, except under CI=true, where it fails.
func newTab(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
		}
		t.Skipf("chromium is not installed (apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		// The machine has no network but loopback: nothing to update.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Started here, so that the browser's start is no step's wait.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// page is a tab showing one of the pages; root is, in JavaScript, the node
// its elements are under (the widget's shadow root, or the document).
type page struct {
	t     *testing.T
	ctx   context.Context
	url   string
	root  string
	shots string
	shot  int
}

// newPage starts a tab for url whose screenshots go to the test's folder,
// named for the test and folder (one each for the pages a test opens).
func newPage(t *testing.T, url, root, folder string) *page {
	t.Helper()
	p := &page{t: t, ctx: newTab(t), url: url, root: root,
		shots: filepath.Join(screenshots, strings.ReplaceAll(t.Name(), "/", "-")+folder)}
	if err := os.RemoveAll(p.shots); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(p.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p.shots)
	t.Logf("screenshots: %s", abs)
	return p
}

// widgetRoot is the widget's shadow root, in JavaScript.
const widgetRoot = `document.querySelector("linkline-widget")?.shadowRoot`

// openWidget opens the demo page of the bundle's widget, served from base
// (the server, or a proxy in front of it), after the setup actions (a
// device's screen, say), and opens the widget with its launcher.
func (b *testBundle) openWidget(t *testing.T, base string, setup ...chromedp.Action[chromedp.Void]) *page {
	t.Helper()
	w := newPage(t, base+"/demo?key="+b.widgetKey, widgetRoot, "")
	w.do("set up the tab", setup...)
	w.open()
	return w
}

// open loads the page and opens the widget; the widget's name in its
// header says its configuration arrived.
func (w *page) open() {
	w.t.Helper()
	w.do("open the page", chromedp.Navigate(w.url))
	w.click(".launcher", "")
	w.waitText("h1", "widget")
}

// within is how long a step may take to show.
const within = 20 * time.Second

func (w *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, within)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		w.screenshot("failed")
		w.t.Fatalf("%s: %v", what, err)
	}
}

// find is a JavaScript path to the first visible element of the page
// matching css whose text contains text.
func (w *page) find(css, text string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`[...(%s?.querySelectorAll(%s) ?? [])].find(e => e.checkVisibility() && e.textContent.includes(%s))`, w.root, js(css), js(text)))
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// click clicks, as a person does, the element that find finds.
func (w *page) click(css, text string) {
	w.t.Helper()
	w.do("click "+css+" "+text, chromedp.Click(w.find(css, text)))
}

// send types text in the message box and presses Enter.
func (w *page) send(text string) {
	w.t.Helper()
	w.do("send "+text, chromedp.SendKeys(w.find("textarea", ""), text+"\r"))
}

// waitText waits until an element of css shows text.
func (w *page) waitText(css, text string) {
	w.t.Helper()
	w.do(fmt.Sprintf("wait for %s to show %q", css, text), chromedp.WaitVisible(w.find(css, text)))
}

// waitGone waits until no element of css is visible.
func (w *page) waitGone(css string) {
	w.t.Helper()
	w.poll("wait for "+css+" to go", fmt.Sprintf(`![...(%s?.querySelectorAll(%s) ?? [])].some(e => e.checkVisibility())`, w.root, js(css)))
}

// visible tells whether an element of css is visible now.
func (w *page) visible(css string) bool {
	w.t.Helper()
	var v bool
	w.eval(fmt.Sprintf(`[...(%s?.querySelectorAll(%s) ?? [])].some(e => e.checkVisibility())`, w.root, js(css)), &v)
	return v
}

// shownMessage is a message of the widget's history as it shows it.
type shownMessage struct{ Text, Channel string }

func (w *page) messagesJS() string {
	return `[...(` + w.root + `?.querySelectorAll("li.msg") ?? [])].map(li => ({Text: li.querySelector(".text").textContent, Channel: li.dataset.channel}))`
}

// messages is the history the page shows, oldest first.
func (w *page) messages() []shownMessage {
	w.t.Helper()
	var out []shownMessage
	w.eval(w.messagesJS(), &out)
	return out
}

// waitMessage waits until the history shows text marked with channel (R9, R13).
func (w *page) waitMessage(text, channel string) {
	w.t.Helper()
	w.poll(fmt.Sprintf("wait for %q marked %s", text, channel),
		fmt.Sprintf(`%s.some(m => m.Text === %s && m.Channel === %s)`, w.messagesJS(), js(text), js(channel)))
}

// attr is an attribute of the first visible element of css.
func (w *page) attr(css, name string) string {
	w.t.Helper()
	var v string
	w.eval(fmt.Sprintf(`(%s).getAttribute(%s)`, w.find(css, ""), js(name)), &v)
	return v
}

func (w *page) poll(what, predicate string) {
	w.t.Helper()
	w.do(what, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(within)))
}

func (w *page) eval(expression string, out any) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, within)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expression))
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		w.t.Fatalf("evaluate %s: %v", expression, err)
	}
}

// screenshot saves what the tab shows as the test's next numbered PNG.
func (w *page) screenshot(name string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, within)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		w.t.Logf("screenshot %s: %v", name, err)
		return
	}
	w.shot++
	if err := os.WriteFile(filepath.Join(w.shots, fmt.Sprintf("%02d-%s.png", w.shot, name)), png, 0o644); err != nil {
		w.t.Error(err)
	}
}

// flakyNetwork is a TCP proxy in front of the server whose network the
// test can cut: every connection through it drops, and new ones are
// refused, until it is back.
type flakyNetwork struct {
	url    string
	target string
	mu     sync.Mutex
	isDown bool
	conns  map[net.Conn]bool
}

func newFlakyNetwork(t *testing.T, target string) *flakyNetwork {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &flakyNetwork{url: "http://" + ln.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		_ = ln.Close()
		n.down()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go n.relay(c)
		}
	}()
	return n
}

func (n *flakyNetwork) relay(c net.Conn) {
	s, err := net.Dial("tcp", n.target)
	if err != nil {
		_ = c.Close()
		return
	}
	n.mu.Lock()
	if n.isDown {
		n.mu.Unlock()
		_ = c.Close()
		_ = s.Close()
		return
	}
	n.conns[c], n.conns[s] = true, true
	n.mu.Unlock()
	go func() {
		_, _ = io.Copy(s, c)
		_ = s.Close()
	}()
	_, _ = io.Copy(c, s)
	_ = c.Close()
	n.mu.Lock()
	delete(n.conns, c)
	delete(n.conns, s)
	n.mu.Unlock()
}

// down drops every connection and refuses new ones.
func (n *flakyNetwork) down() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isDown = true
	for c := range n.conns {
		_ = c.Close()
	}
	clear(n.conns)
}

// up lets connections through again.
func (n *flakyNetwork) up() {
	n.mu.Lock()
	n.isDown = false
	n.mu.Unlock()
}
