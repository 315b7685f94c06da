// Package pages serves the reference front ends built into the binary
// (R37): the web widget, a script any site embeds with one tag, and a demo
// page that embeds it. The sources are TypeScript under src/; `npm run
// build` writes dist/, which is committed, so that `go run .` needs only
// Go (.ci/run checks that a rebuild changes nothing).
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

//go:embed demo.html
var demoHTML string

var demoPage = template.Must(template.New("demo").Parse(demoHTML))

// Handler serves GET /widget.js and GET /demo.
type Handler struct {
	mux *http.ServeMux
	// etag names the widget's build: host pages revalidate it, so a new
	// release reaches every site without waiting for a cache to expire.
	etag string
}

// NewHandler returns the pages' handler.
func NewHandler() *Handler {
	sum := sha256.Sum256(widgetJS)
	h := &Handler{mux: http.NewServeMux(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	h.mux.HandleFunc("GET /widget.js", h.widget)
	h.mux.HandleFunc("GET /demo", h.demo)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) widget(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", h.etag)
	http.ServeContent(w, r, "widget.js", time.Time{}, bytes.NewReader(widgetJS))
}

// demo is a stand-in for a customer's site: a page that embeds the widget
// of the key in its query, or asks for one.
func (h *Handler) demo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := demoPage.Execute(w, struct{ Key string }{r.URL.Query().Get("key")}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
