package pages

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(h http.Handler, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	maps.Copy(req.Header, header)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The widget script is the committed build, revalidated by its ETag so
// that host pages pick up a new release at once.
func TestWidgetScript(t *testing.T) {
	h := NewHandler()
	r := get(h, "/widget.js", nil)
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/javascript") || r.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("widget.js: %d %v", r.Code, r.Header())
	}
	if !strings.Contains(r.Body.String(), "widgetKey") {
		t.Errorf("widget.js does not read its key: %.200s", r.Body)
	}
	if again := get(h, "/widget.js", http.Header{"If-None-Match": {r.Header().Get("ETag")}}); again.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.Code)
	}
}

// The demo page embeds the widget of the key it is given, escaped, and
// links the sandbox phones; without a key it asks for one.
func TestDemoPage(t *testing.T) {
	h := NewHandler()
	page := get(h, `/demo?key=wk_1"><script>alert(1)</script>`, nil).Body.String()
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, `src="/widget.js" data-widget-key="wk_1&#34;&gt;&lt;script&gt;`) {
		t.Errorf("demo page with a key:\n%s", page)
	}
	if !strings.Contains(page, `href="/phone"`) {
		t.Errorf("the demo page does not link the sandbox phones:\n%s", page)
	}
	if page := get(h, "/demo", nil).Body.String(); strings.Contains(page, `widget.js"`) || !strings.Contains(page, `name="key"`) {
		t.Errorf("demo page without a key:\n%s", page)
	}
}

// The workspace, admin and phone pages load their scripts, which the
// server serves like the widget's, and no other site may frame them.
func TestOwnPages(t *testing.T) {
	h := NewHandler()
	for _, name := range []string{"workspace", "admin", "phone"} {
		page := get(h, "/"+name, nil)
		if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `<script src="/`+name+`.js">`) {
			t.Fatalf("%s page: %d\n%s", name, page.Code, page.Body)
		}
		if csp := page.Header().Get("Content-Security-Policy"); csp != "frame-ancestors 'none'" {
			t.Errorf("%s page's CSP: %q", name, csp)
		}
		r := get(h, "/"+name+".js", nil)
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/javascript") || r.Header().Get("ETag") == "" {
			t.Fatalf("%s.js: %d %v", name, r.Code, r.Header())
		}
		if again := get(h, "/"+name+".js", http.Header{"If-None-Match": {r.Header().Get("ETag")}}); again.Code != http.StatusNotModified {
			t.Errorf("%s.js revalidation: %d", name, again.Code)
		}
	}
}

// The front page links every page above GraphiQL, which it frames from
// /graphiql.
func TestFrontPage(t *testing.T) {
	page := get(NewHandler(), "/", nil)
	for _, want := range []string{`href="/demo"`, `href="/workspace"`, `href="/admin"`, `href="/phone"`, `<iframe src="/graphiql"`} {
		if !strings.Contains(page.Body.String(), want) {
			t.Errorf("the front page has no %s:\n%s", want, page.Body)
		}
	}
}
