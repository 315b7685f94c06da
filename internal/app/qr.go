package app

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/linkline/linkline/internal/linking"
)

// serveQR draws the QR code of a deep link (R5), so that a widget can show
// it as an <img>. It draws only our deep links, so it is no general-purpose
// QR service; the link carries its own secret, as the deep link does.
func serveQR(w http.ResponseWriter, r *http.Request) {
	link := r.URL.Query().Get("link")
	u, err := url.Parse(link)
	if err != nil || len(link) > 512 || u.Scheme != "https" || !slices.Contains(linking.DeepLinkHosts, u.Host) {
		http.Error(w, "not a deep link", http.StatusBadRequest)
		return
	}
	png, err := linking.QRCode(link, 256)
	if err != nil {
		http.Error(w, "cannot draw that link", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}
