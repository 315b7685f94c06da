// Package pages serves the reference front ends built into the binary
// (R37): the web widget, a script any site embeds with one tag, a demo
// page that embeds it, the agent workspace, the admin page, the sandbox
// phone page and a front page that links them above GraphiQL. The sources are TypeScript
// under src/; `npm run build` writes dist/, which is committed, so that `go
// run .` needs only Go (.ci/run checks that a rebuild changes nothing).
package pages

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"time"
)

//go:embed dist/widget.js
var widgetJS []byte

//go:embed dist/workspace.js
var workspaceJS []byte

//go:embed dist/admin.js
var adminJS []byte

//go:embed demo.html
var demoHTML string

//go:embed workspace.html
var workspaceHTML []byte

//go:embed admin.html
var adminHTML []byte

//go:embed dist/phone.js
var phoneJS []byte

//go:embed phone.html
var phoneHTML []byte

//go:embed index.html
var indexHTML []byte

var demoPage = template.Must(template.New("demo").Parse(demoHTML))

// Handler serves GET /widget.js, GET /demo, GET /workspace, GET
// /workspace.js, GET /admin, GET /admin.js, GET /phone, GET /phone.js and
// GET / (the front page, which shows GraphiQL from /graphiql under its
// links).
type Handler struct {
	mux *http.ServeMux
}

// NewHandler returns the pages' handler.
func NewHandler() *Handler {
	h := &Handler{mux: http.NewServeMux()}
	h.mux.Handle("GET /widget.js", script(widgetJS))
	h.mux.HandleFunc("GET /demo", h.demo)
	h.mux.Handle("GET /workspace.js", script(workspaceJS))
	h.mux.Handle("GET /workspace", ownPage(workspaceHTML))
	h.mux.Handle("GET /admin.js", script(adminJS))
	h.mux.Handle("GET /admin", ownPage(adminHTML))
	h.mux.Handle("GET /phone.js", script(phoneJS))
	h.mux.Handle("GET /phone", ownPage(phoneHTML))
	h.mux.Handle("GET /{$}", ownPage(indexHTML))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// script serves a build's script. Its ETag names the build: pages
// revalidate it, so a new release reaches every site without waiting for a
// cache to expire.
func script(js []byte) http.Handler {
	sum := sha256.Sum256(js)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(js))
	})
}

// demo is a stand-in for a customer's site: a page that embeds the widget
// of the key in its query, or asks for one.
func (h *Handler) demo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := demoPage.Execute(w, struct{ Key string }{r.URL.Query().Get("key")}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// ownPage serves a page used only from the server's own origin: the
// agent workspace or the admin page, which ask for a token and keep it in
// the browser (so the page itself holds nothing secret), a sandbox phone,
// the front page. No other site may frame it, to trick an agent or admin
// into clicking there.
func ownPage(html []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
		_, _ = w.Write(html)
	})
}
