package pages

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The widget script is the committed build, revalidated by its ETag so
// that host pages pick up a new release at once.
func TestWidgetScript(t *testing.T) {
	h := NewHandler()
	r := get(t, h, "/widget.js", nil)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") || r.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("widget.js: %d %v", r.StatusCode, r.Header)
	}
	if b := body(t, r); !strings.Contains(b, "data-widget-key") && !strings.Contains(b, "widgetKey") {
		t.Errorf("widget.js does not read its key: %.200s", b)
	}
	again := get(t, h, "/widget.js", http.Header{"If-None-Match": {r.Header.Get("ETag")}})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.StatusCode)
	}
}

// The demo page embeds the widget of the key it is given, escaped; without
// one it asks for it.
func TestDemoPage(t *testing.T) {
	h := NewHandler()
	page := body(t, get(t, h, `/demo?key=wk_1"><script>alert(1)</script>`, nil))
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, `src="/widget.js" data-widget-key="wk_1&#34;&gt;&lt;script&gt;`) {
		t.Errorf("demo page with a key:\n%s", page)
	}
	if page := body(t, get(t, h, "/demo", nil)); strings.Contains(page, "widget.js\"") || !strings.Contains(page, `name="key"`) {
		t.Errorf("demo page without a key:\n%s", page)
	}
}
