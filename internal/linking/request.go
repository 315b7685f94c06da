// Package linking lets an end user carry a widget conversation to a social
// channel and back: link requests and their tokens and deep links (R5),
// confirmation on the channel (R6), what turning a channel off does to
// links (R3), the catalog of texts sent on channels and the languages
// conversations are spoken to in (R27). Whether and what a widget offers
// (R1–R4) is the widget package's.
package linking

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/widget"
)

// RequestTTL is how long a link request waits for the end user to open its
// link: long enough to pick up a phone, short enough that a leaked link is
// soon worthless.
const RequestTTL = 10 * time.Minute

// RequestStore keeps link requests.
type RequestStore interface {
	Conversation(ctx context.Context, accountID, id int64) (*conversation.Conversation, error)
	Widget(ctx context.Context, accountID, id int64) (*widget.Widget, error)
	// ReplaceLinkRequest cancels the conversation's open requests for the
	// channel and stores r, in one transaction.
	ReplaceLinkRequest(ctx context.Context, r *conversation.LinkRequest) error
	LinkRequest(ctx context.Context, accountID, id int64) (*conversation.LinkRequest, error)
	// PendingLinkRequests lists a conversation's requests whose status is
	// PENDING, expired or not.
	PendingLinkRequests(ctx context.Context, accountID, conversationID int64) ([]*conversation.LinkRequest, error)
	CancelLinkRequest(ctx context.Context, r *conversation.LinkRequest) (bool, error)
}

// Menus tells what a widget offers now (R4).
type Menus interface {
	Menu(ctx context.Context, w *widget.Widget) ([]*widget.Option, error)
}

// Requests creates and cancels link requests.
type Requests struct {
	store   RequestStore
	menus   Menus
	limiter *auth.Limiter
	// changed wakes the widgets following the account's requests.
	changed func(ctx context.Context, accountID int64) error
	now     func() time.Time
	// Outcome, when set, observes requests made ("requested") and
	// abandoned ("cancelled").
	Outcome func(ch conversation.Channel, outcome string)
}

// NewRequests returns the link request service.
func NewRequests(store RequestStore, menus Menus, limiter *auth.Limiter, changed func(ctx context.Context, accountID int64) error, now func() time.Time) *Requests {
	return &Requests{store: store, menus: menus, limiter: limiter, changed: changed, now: now}
}

// shown is r as the session that asked for it sees it (callers check the
// owner; agents are given no request at all): the deep link carries the
// token, so it shows while the request is pending and unexpired, and never
// after, even where the stored row still has it.
func shown(r *conversation.LinkRequest, now time.Time) *conversation.LinkRequest {
	if r.StatusAt(now) != conversation.RequestPending {
		r.DeepLink = ""
	}
	return r
}

// Get returns a request of the end user's own conversation.
func (rs *Requests) Get(ctx context.Context, actor *auth.Actor, id int64) (*conversation.LinkRequest, error) {
	if actor.Session == nil {
		return nil, apperr.NotFoundf("link request")
	}
	r, err := rs.store.LinkRequest(ctx, actor.Session.AccountID, id)
	if err != nil {
		return nil, err
	}
	c, err := rs.store.Conversation(ctx, r.AccountID, r.ConversationID)
	if err != nil || c.EndUserID != actor.Session.EndUserID {
		return nil, apperr.NotFoundf("link request")
	}
	return shown(r, rs.now()), nil
}

// Pending lists the requests of the end user's own conversation that still
// wait for the phone, with their deep links, so that a reloaded widget
// shows its QR code again (R27). Agents, and anyone but the conversation's
// end user, get none: a deep link carries the customer's token. Reading
// costs nothing of the link-request budget: it creates nothing.
func (rs *Requests) Pending(ctx context.Context, actor *auth.Actor, c *conversation.Conversation) ([]*conversation.LinkRequest, error) {
	out := []*conversation.LinkRequest{}
	if s := actor.Session; s == nil || s.AccountID != c.AccountID || s.EndUserID != c.EndUserID {
		return out, nil
	}
	all, err := rs.store.PendingLinkRequests(ctx, c.AccountID, c.ID)
	if err != nil {
		return nil, err
	}
	now := rs.now()
	for _, r := range all {
		if r.StatusAt(now) == conversation.RequestPending {
			out = append(out, shown(r, now))
		}
	}
	return out, nil
}

// Now is the service's clock.
func (rs *Requests) Now() time.Time { return rs.now() }

// Ask creates a request to continue the end user's conversation on ch
// (R5). The channel must be on the widget's menu now (R2, R4); asking again
// for the same channel replaces the earlier request.
func (rs *Requests) Ask(ctx context.Context, actor *auth.Actor, conversationID int64, ch conversation.Channel) (*conversation.LinkRequest, error) {
	if actor.Session == nil {
		return nil, apperr.New(apperr.Forbidden, "only the end user asks to continue elsewhere")
	}
	c, err := rs.store.Conversation(ctx, actor.Session.AccountID, conversationID)
	if err != nil || c.EndUserID != actor.Session.EndUserID || c.WidgetID == 0 {
		return nil, apperr.NotFoundf("conversation")
	}
	if err := rs.limiter.Allow(ctx, actor, auth.ActionLink); err != nil {
		return nil, err
	}
	w, err := rs.store.Widget(ctx, c.AccountID, c.WidgetID)
	if err != nil {
		return nil, err
	}
	options, err := rs.menus.Menu(ctx, w)
	if err != nil {
		return nil, err
	}
	var opt *widget.Option
	for _, o := range options {
		if o.Channel == ch {
			opt = o
		}
	}
	if opt == nil {
		return nil, &apperr.Error{Code: apperr.ChannelNotEnabled, Field: "channel", Message: string(ch) + " is not offered by this widget"}
	}
	token := newToken()
	// Microseconds are what PostgreSQL keeps: requestLink's answer and a
	// later read (pendingLinkRequests) tell the same expiry.
	now := rs.now().UTC().Truncate(time.Microsecond)
	r := &conversation.LinkRequest{
		AccountID: c.AccountID, ConversationID: c.ID, Channel: ch, IntegrationID: opt.IntegrationID,
		TokenHash: HashToken(token), Status: conversation.RequestPending, ExpiresAt: now.Add(RequestTTL), CreatedAt: now,
		DeepLink: DeepLink(ch, opt.Handle, token, Choose(c.Language, w.Language)),
	}
	if err := rs.store.ReplaceLinkRequest(ctx, r); err != nil {
		return nil, err
	}
	rs.outcome(ch, "requested")
	return r, rs.changed(ctx, r.AccountID)
}

// Cancel abandons a request (the widget's back button): no harm done, the
// token no longer links anything (R5).
func (rs *Requests) Cancel(ctx context.Context, actor *auth.Actor, id int64) (*conversation.LinkRequest, error) {
	r, err := rs.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if _, err := rs.store.CancelLinkRequest(ctx, r); err != nil {
		return nil, err
	}
	rs.outcome(r.Channel, "cancelled")
	if err := rs.changed(ctx, r.AccountID); err != nil {
		return nil, err
	}
	r, err = rs.store.LinkRequest(ctx, r.AccountID, r.ID)
	if err != nil {
		return nil, err
	}
	return shown(r, rs.now()), nil
}

func (rs *Requests) outcome(ch conversation.Channel, outcome string) {
	if rs.Outcome != nil {
		rs.Outcome(ch, outcome)
	}
}

// tokenPrefix marks link tokens in prefilled texts and refs, so the
// webhook can find them in what the end user sends.
const tokenPrefix = "ll-"

// newToken is 128 random bits, in lower-case base32 that survives URLs,
// prefilled texts and being read aloud: one kind of token for every
// channel, short-lived and single-use.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// HashToken is how tokens are kept.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// DeepLink is the link that opens ch's app on the business with the token
// (R5): WhatsApp with a text prefilled in lang (R27), Messenger and
// Instagram with a ref.
func DeepLink(ch conversation.Channel, handle, token string, lang Language) string {
	switch ch {
	case conversation.ChannelWhatsApp:
		return "https://wa.me/" + url.PathEscape(handle) + "?text=" + url.QueryEscape(Text(lang, TextDeepLinkPrefill, token))
	case conversation.ChannelMessenger:
		return "https://m.me/" + url.PathEscape(handle) + "?ref=" + url.QueryEscape(token)
	case conversation.ChannelInstagram:
		return "https://ig.me/m/" + url.PathEscape(handle) + "?ref=" + url.QueryEscape(token)
	}
	return ""
}

// DeepLinkHosts are the hosts QR codes are drawn for.
var DeepLinkHosts = []string{"wa.me", "m.me", "ig.me"}

// QRCode draws link as a PNG QR code of about size pixels, with the white
// quiet zone of four modules that scanners need around it.
func QRCode(link string, size int) ([]byte, error) {
	code, err := qr.Encode(link, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	modules := code.Bounds().Dx()
	scale := max(size/(modules+8), 1)
	scaled, err := barcode.Scale(code, modules*scale, modules*scale)
	if err != nil {
		return nil, err
	}
	quiet := 4 * scale
	img := image.NewGray(image.Rect(0, 0, modules*scale+2*quiet, modules*scale+2*quiet))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(img, scaled.Bounds().Add(image.Pt(quiet, quiet)), scaled, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// QRDataURI is QRCode as a data: URI for an <img src>.
func QRDataURI(link string) (string, error) {
	png, err := QRCode(link, 256)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}
