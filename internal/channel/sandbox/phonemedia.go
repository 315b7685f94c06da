package sandbox

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/conversation"
)

// maxPhoneMedia bounds a file a phone sends: WhatsApp's largest video.
const maxPhoneMedia = 16 << 20

// maxSent bounds the files the sandbox keeps for the business to fetch;
// older ones are forgotten, as Meta forgets them after a while.
const maxSent = 200

// DefaultMediaTTL is how long a Messenger or Instagram attachment URL
// works, as the CDN's signed URLs do for a while.
const DefaultMediaTTL = time.Hour

// The hosts of the download URLs the fake Graph API hands out: WhatsApp's
// media URLs (read with the integration's token) and the CDN of
// Messenger's and Instagram's attachments (signed, expiring).
const (
	waMediaHost = "lookaside.fbsbx.com"
	cdnHost     = "scontent.xx.fbcdn.net"
)

// sentFile is a file a phone sent, kept for the business to fetch.
type sentFile struct {
	id          string
	name        string
	channel     conversation.Channel
	business    string
	contentType string
	data        []byte
	// expires ends the Messenger and Instagram URL.
	expires time.Time
}

// phoneKinds are the kinds of file a phone sends, and how each platform's
// webhook names them.
var phoneKinds = map[string]struct{ whatsapp, messaging string }{
	"image":    {"image", "image"},
	"video":    {"video", "video"},
	"audio":    {"audio", "audio"},
	"document": {"document", "file"},
	// Messenger sends a sticker as an image with a sticker_id.
	"sticker": {"sticker", "image"},
}

// SetMediaOutage makes the fake Graph API answer every media read (the
// media object and the download URLs) with a server error while on, as
// during an outage of Meta's.
func (s *Sandbox) SetMediaOutage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mediaOutage = on
}

// SetMediaTTL sets how long the Messenger and Instagram URLs of files
// sent from now on work; a negative TTL hands out URLs already expired.
func (s *Sandbox) SetMediaTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mediaTTL = d
}

// MediaReads counts the business's reads of phones' files (media
// objects and downloads), answered or not.
func (s *Sandbox) MediaReads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mediaReads
}

// FilesServed counts the files the business downloaded.
func (s *Sandbox) FilesServed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filesServed
}

// serveSendMedia is POST /{key}/phones/{user}/media?kind=&name=&caption=
// with the file as the body.
func (s *Sandbox) serveSendMedia(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	names, ok := phoneKinds[kind]
	if !ok {
		fail(w, http.StatusBadRequest, "kind must be image, video, audio, document or sticker")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPhoneMedia))
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("file over %d bytes", tooLarge.Limit))
		return
	}
	if err != nil || len(data) == 0 {
		fail(w, http.StatusBadRequest, "the body must be the file's bytes")
		return
	}
	// The phone's app knows the type of the file it picked; a page that
	// posts bytes without one (or with a generic one) gets it sniffed.
	ct := r.Header.Get("Content-Type")
	if base, _, err := mime.ParseMediaType(ct); err != nil || base == "application/octet-stream" || base == "application/x-www-form-urlencoded" {
		ct = http.DetectContentType(data)
	}
	name := cmp.Or(q.Get("name"), kind)
	f := s.keepSent(it, name, ct, data)
	caption := q.Get("caption")
	l := line{ID: newID(idPrefix(it.Channel)), From: fromUser, Text: caption, Time: s.now(), State: stateSent,
		Media: &media{Kind: kind, Name: name, ContentType: ct, Size: int64(len(data)), URL: "/sandbox/" + it.WebhookKey + "/sent/" + f.id}}
	s.sendLine(w, r, it, user, "", l, func(profile string) []byte {
		if it.Channel != conversation.ChannelWhatsApp {
			at := mpAttachment{Type: names.messaging, Payload: mpPayload{URL: f.url()}}
			if kind == "sticker" && it.Channel == conversation.ChannelMessenger {
				at.Payload.StickerID = 369239263222822
			}
			return messagingWebhook(it, user, l.Time, mpEvent{Message: &mpMessage{MID: l.ID, Text: caption, Attachments: []mpAttachment{at}}})
		}
		sum := sha256.Sum256(data)
		obj := &waInMedia{ID: f.id, MimeType: ct, SHA256: base64.StdEncoding.EncodeToString(sum[:])}
		m := waMessageOf(user, l, names.whatsapp)
		switch kind {
		case "image":
			obj.Caption, m.Image = caption, obj
		case "video":
			obj.Caption, m.Video = caption, obj
		case "audio":
			m.Audio = obj
		case "document":
			obj.Caption, obj.Filename, m.Document = caption, name, obj
		case "sticker":
			m.Sticker = obj
		}
		return waInbound(it, user, profile, m)
	})
}

// serveSendLocation is POST /{key}/phones/{user}/location {"latitude",
// "longitude", "name", "address"}.
func (s *Sandbox) serveSendLocation(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	var in struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	}
	if !ok || !decode(w, r, &in) {
		return
	}
	if math.Abs(in.Latitude) > 90 || math.Abs(in.Longitude) > 180 {
		fail(w, http.StatusBadRequest, "latitude must be within ±90 and longitude within ±180")
		return
	}
	l := line{ID: newID(idPrefix(it.Channel)), From: fromUser, Text: in.Name, Time: s.now(), State: stateSent,
		Media: &media{Kind: "location", Name: in.Name, Latitude: in.Latitude, Longitude: in.Longitude, Address: in.Address}}
	s.sendLine(w, r, it, user, "", l, func(profile string) []byte {
		if it.Channel != conversation.ChannelWhatsApp {
			at := mpAttachment{Type: "location", Title: in.Name, Payload: mpPayload{Coordinates: &mpCoordinates{Lat: in.Latitude, Long: in.Longitude}}}
			return messagingWebhook(it, user, l.Time, mpEvent{Message: &mpMessage{MID: l.ID, Attachments: []mpAttachment{at}}})
		}
		m := waMessageOf(user, l, "location")
		m.Location = &waLocation{Latitude: in.Latitude, Longitude: in.Longitude, Name: in.Name, Address: in.Address}
		return waInbound(it, user, profile, m)
	})
}

// sendLine puts l on user's phone, written under name when it is not empty,
// and posts the webhook body makes, given the name the phone writes with.
func (s *Sandbox) sendLine(w http.ResponseWriter, r *http.Request, it Integration, user, name string, l line, body func(profile string) []byte) {
	k := keyOf(it, user)
	profile := s.add(k, l, name)
	status := s.post(r.Context(), it, body(profile))
	state := stateDelivered
	if status/100 != 2 {
		state = stateFailed
	}
	s.settle(k, l.ID, state)
	respond(w, status, result{MessageID: l.ID})
}

// serveSent is GET /{key}/sent/{id}: a file a phone of the integration
// sent, for the phone's page to show.
func (s *Sandbox) serveSent(w http.ResponseWriter, r *http.Request) {
	it, err := s.integrations.SandboxByKey(r.Context(), r.PathValue("key"))
	f := s.sentFile(r.PathValue("id"))
	if err != nil || f == nil || f.channel != it.Channel || f.business != it.BusinessID {
		fail(w, http.StatusNotFound, "no such file")
		return
	}
	// Served as the service serves files (attachment.Inline): pictures,
	// sound and video show in the phone's page, anything else downloads.
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	if !attachment.Inline(f.contentType) {
		w.Header().Set("Content-Disposition", "attachment")
	}
	_, _ = w.Write(f.data)
}

// keepSent stores a file a phone of it sends, under a new media id.
func (s *Sandbox) keepSent(it Integration, name, ct string, data []byte) *sentFile {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e15))
	f := &sentFile{id: strconv.FormatInt(1e15+n.Int64(), 10), name: name, channel: it.Channel, business: it.BusinessID, contentType: ct, data: data}
	s.mu.Lock()
	defer s.mu.Unlock()
	f.expires = s.now().Add(cmp.Or(s.mediaTTL, DefaultMediaTTL))
	if s.sent == nil {
		s.sent = map[string]*sentFile{}
	}
	s.sent[f.id] = f
	s.sentOrder = append(s.sentOrder, f.id)
	if len(s.sentOrder) > maxSent {
		delete(s.sent, s.sentOrder[0])
		s.sentOrder = s.sentOrder[1:]
	}
	return f
}

func (s *Sandbox) sentFile(id string) *sentFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[id]
}

// url is where the business downloads f: WhatsApp's media URL, or the
// CDN's signed URL that expires (oe, as fbcdn's URLs carry it in hex).
func (f *sentFile) url() string {
	if f.channel == conversation.ChannelWhatsApp {
		return "https://" + waMediaHost + "/whatsapp_business/attachments/?" + url.Values{"mid": {f.id}}.Encode()
	}
	return "https://" + cdnHost + "/v/sandbox/" + f.id + "/" + url.PathEscape(f.name) + "?" +
		url.Values{"oe": {strconv.FormatInt(f.expires.Unix(), 16)}}.Encode()
}

// serveSentMedia answers the business's media reads, reporting whether r is
// one: GET /{version}/{media-id} (WhatsApp's media object, with the
// integration's token) and the download URLs url hands out.
func (s *Sandbox) serveSentMedia(r *http.Request) (*http.Response, bool) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var f *sentFile
	switch {
	case r.Method != http.MethodGet:
		return nil, false
	case r.URL.Host == waMediaHost:
		f = s.sentFile(r.URL.Query().Get("mid"))
	case r.URL.Host == cdnHost && len(parts) == 4:
		f = s.sentFile(parts[2])
	case len(parts) == 2 && s.sentFile(parts[1]) != nil:
		f = s.sentFile(parts[1])
		if f.channel != conversation.ChannelWhatsApp {
			return nil, false
		}
		return s.mediaObject(r, f), true
	default:
		return nil, false
	}
	switch {
	case s.mediaRead():
		return graphResponse(r, http.StatusInternalServerError, graphErrorBody(2, "Service temporarily unavailable")), true
	case f == nil:
		return graphResponse(r, http.StatusNotFound, graphErrorBody(100, "No such media")), true
	case f.channel == conversation.ChannelWhatsApp && !authorised(r, f):
		return graphResponse(r, http.StatusUnauthorized, graphErrorBody(190, "Invalid OAuth access token")), true
	case f.channel != conversation.ChannelWhatsApp && !s.now().Before(f.expires):
		// fbcdn's answer to a URL past its oe.
		return graphResponse(r, http.StatusForbidden, graphErrorBody(100, "URL signature expired")), true
	}
	s.mu.Lock()
	s.filesServed++
	s.mu.Unlock()
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {f.contentType}}, Body: io.NopCloser(bytes.NewReader(f.data)),
		ContentLength: int64(len(f.data)), Request: r,
	}, true
}

// mediaRead counts a read of Meta's media, and reports whether they fail
// now (SetMediaOutage).
func (s *Sandbox) mediaRead() (outage bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mediaReads++
	return s.mediaOutage
}

// mediaObject is WhatsApp's answer to GET /{version}/{media-id}: the
// short-lived URL and what the file is.
func (s *Sandbox) mediaObject(r *http.Request, f *sentFile) *http.Response {
	switch {
	case s.mediaRead():
		return graphResponse(r, http.StatusInternalServerError, graphErrorBody(2, "Service temporarily unavailable"))
	case !authorised(r, f):
		return graphResponse(r, http.StatusUnauthorized, graphErrorBody(190, "Invalid OAuth access token"))
	}
	sum := sha256.Sum256(f.data)
	return graphResponse(r, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp", "url": f.url(), "mime_type": f.contentType,
		"sha256": fmt.Sprintf("%x", sum), "file_size": len(f.data), "id": f.id,
	})
}

// authorised reports whether r carries the token of f's integration.
func authorised(r *http.Request, f *sentFile) bool {
	return r.Header.Get("Authorization") == "Bearer "+AccessToken(f.business)
}

func graphErrorBody(code int, message string) any {
	_, body := graphError(0, code, 0, message)
	return body
}

// graphResponse is an answer of the fake Graph API in JSON.
func graphResponse(r *http.Request, status int, answer any) *http.Response {
	raw := marshal(answer)
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(raw)),
		ContentLength: int64(len(raw)),
		Request:       r,
	}
}

// waInMedia is the object of a WhatsApp media message, as the Cloud API's
// messages webhook reference shows it.
type waInMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

type waLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// mpAttachment is one of a Messenger Platform message's attachments.
type mpAttachment struct {
	Type    string    `json:"type"`
	Title   string    `json:"title,omitempty"`
	Payload mpPayload `json:"payload"`
}

type mpPayload struct {
	URL         string         `json:"url,omitempty"`
	StickerID   int64          `json:"sticker_id,omitempty"`
	Coordinates *mpCoordinates `json:"coordinates,omitempty"`
}

type mpCoordinates struct {
	Lat  float64 `json:"lat"`
	Long float64 `json:"long"`
}

// waMessageOf is the WhatsApp message of l, of type kind, from user.
func waMessageOf(user string, l line, kind string) waMessage {
	waID, userID := waUser(user)
	return waMessage{From: waID, FromUserID: userID, ID: l.ID, Timestamp: waSeconds(l.Time), Type: kind}
}

// waInbound is the webhook of m, from user writing under name.
func waInbound(it Integration, user, name string, m waMessage) []byte {
	waID, userID := waUser(user)
	c := waContact{WaID: waID, UserID: userID}
	c.Profile.Name = name
	return whatsappWebhook(it, waValue{Contacts: []waContact{c}, Messages: []waMessage{m}})
}
