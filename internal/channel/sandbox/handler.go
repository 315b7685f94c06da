package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// maxBody bounds a phone API request.
const maxBody = 64 << 10

// Handler is the phones' API, JSON over HTTP, to be mounted with its
// prefix stripped (http.StripPrefix("/sandbox", h) under "/sandbox/"). A
// phone is the end user {user} (a phone number or BSUID on WhatsApp, a
// PSID or IGSID elsewhere) of the integration whose webhook key is {key}:
//
//	POST /{key}/phones/{user}/messages {"text", "name"}  writes a text (name: the profile name)
//	POST /{key}/phones/{user}/tap      {"choiceId"}      taps a reply choice the phone received
//	POST /{key}/phones/{user}/open     {"link"}          opens the integration's wa.me, m.me or ig.me link
//	POST /{key}/phones/{user}/read                       reads everything received
//	GET  /{key}/phones/{user}[?after={version}]          what the channel's app shows
//	GET  /{key}/media/{id}                               a file the business uploaded (WhatsApp)
//	POST /{key}/phones/{user}/media?kind=&name=&caption= sends the body as an image, video, audio, document or sticker
//	POST /{key}/phones/{user}/location {"latitude", "longitude", "name", "address"}  shares a place
//	GET  /{key}/sent/{id}                                 a file a phone sent, as its line's media.url names it
//
// The phone pages follow a phone with GET ?after=, the version they last
// showed: it answers as soon as the phone's version is another, or after
// longPoll with the same. One request open per page and no polling
// interval to tune; a page that loses the server just asks again.
//
// A phone's profile name goes in WhatsApp's webhooks; Messenger and
// Instagram give it to the business's user-profile reads instead, which
// the phone counts ("profileReads"). A phone that never gave a name gets a
// made-up one, the same every time.
//
// A POST answers 200 with the webhook route's status ("webhookStatus") and
// what was sent ("messageId", "read"), or 502 with the same when the route
// refused the webhook. Errors are {"error": "..."}.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{key}/phones/{user}/messages", s.serveMessage)
	mux.HandleFunc("POST /{key}/phones/{user}/tap", s.serveTap)
	mux.HandleFunc("POST /{key}/phones/{user}/open", s.serveOpen)
	mux.HandleFunc("POST /{key}/phones/{user}/read", s.serveRead)
	mux.HandleFunc("GET /{key}/phones/{user}", s.servePhone)
	mux.HandleFunc("GET /{key}/media/{id}", s.serveMedia)
	mux.HandleFunc("POST /{key}/phones/{user}/media", s.serveSendMedia)
	mux.HandleFunc("POST /{key}/phones/{user}/location", s.serveSendLocation)
	mux.HandleFunc("GET /{key}/sent/{id}", s.serveSent)
	return mux
}

// result is what a phone action answers.
type result struct {
	WebhookStatus int      `json:"webhookStatus,omitempty"`
	MessageID     string   `json:"messageId,omitempty"`
	Read          []string `json:"read,omitempty"`
	Error         string   `json:"error,omitempty"`
}

func (s *Sandbox) serveMessage(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	var in struct {
		Text string `json:"text"`
		Name string `json:"name"`
	}
	if !ok || !decode(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		fail(w, http.StatusBadRequest, "text is required")
		return
	}
	s.write(w, r, it, user, in.Name, in.Text, nil)
}

// write sends text from user's phone, under name when one is given, as
// the tap of rep when set.
func (s *Sandbox) write(w http.ResponseWriter, r *http.Request, it Integration, user, name, text string, rep *reply) {
	l := line{ID: newID(idPrefix(it.Channel)), From: fromUser, Text: text, Time: s.now(), State: stateSent}
	s.sendLine(w, r, it, user, name, l, func(profile string) []byte {
		return inboundWebhook(it, user, profile, l, rep)
	})
}

func (s *Sandbox) serveTap(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	var in struct {
		ChoiceID string `json:"choiceId"`
	}
	if !ok || !decode(w, r, &in) {
		return
	}
	rep, ok := s.offered(keyOf(it, user), in.ChoiceID)
	if !ok {
		fail(w, http.StatusBadRequest, fmt.Sprintf("the phone received no prompt with choice %q", in.ChoiceID))
		return
	}
	// The app posts the choice's title as the user's message.
	s.write(w, r, it, user, "", rep.choice.Title, &rep)
}

func (s *Sandbox) serveOpen(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	var in struct {
		Link string `json:"link"`
	}
	if !ok || !decode(w, r, &in) {
		return
	}
	value, err := follow(it, in.Link)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if it.Channel == conversation.ChannelWhatsApp {
		// wa.me opens a chat with the text typed in; the user taps send.
		s.write(w, r, it, user, "", value, nil)
		return
	}
	s.opened(keyOf(it, user))
	s.answer(w, r, it, referralWebhook(it, user, value, s.now()), result{})
}

func (s *Sandbox) serveRead(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	if !ok {
		return
	}
	at := s.now()
	ids := s.markRead(keyOf(it, user))
	if len(ids) == 0 {
		// Nothing new on screen: no receipt to send.
		writeJSON(w, http.StatusOK, result{})
		return
	}
	s.answer(w, r, it, readWebhook(it, user, ids, at), result{Read: ids})
}

// longPoll is how long GET ?after= waits for a change: well under the
// idle timeouts of proxies a page may sit behind.
const longPoll = 25 * time.Second

func (s *Sandbox) servePhone(w http.ResponseWriter, r *http.Request) {
	it, user, ok := s.phoneOf(w, r)
	if !ok {
		return
	}
	k := keyOf(it, user)
	if after := r.URL.Query().Get("after"); after != "" {
		v, err := strconv.ParseUint(after, 10, 64)
		if err != nil {
			fail(w, http.StatusBadRequest, "after must be a version the phone answered")
			return
		}
		s.wait(r.Context(), k, v, longPoll)
	}
	p := s.view(k)
	writeJSON(w, http.StatusOK, struct {
		Channel conversation.Channel `json:"channel"`
		// Handle is the business the app chats with.
		Handle       string `json:"handle"`
		User         string `json:"user"`
		Name         string `json:"name,omitempty"`
		Messages     []line `json:"messages"`
		ProfileReads int    `json:"profileReads,omitempty"`
		// Typing: the business is typing, as the app shows it (R31).
		Typing bool `json:"typing,omitempty"`
		// Signals are the typing and read signals the business sent.
		Signals []string `json:"signals,omitempty"`
		Version uint64   `json:"version"`
	}{it.Channel, it.Handle, user, p.name, p.thread, p.profileReads, s.now().Before(p.typingUntil), p.signals, p.version})
}

// phoneOf finds the integration and user a request names, or answers.
func (s *Sandbox) phoneOf(w http.ResponseWriter, r *http.Request) (Integration, string, bool) {
	it, err := s.integrations.SandboxByKey(r.Context(), r.PathValue("key"))
	user := r.PathValue("user")
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		fail(w, http.StatusNotFound, "no sandbox integration has this webhook key")
	case err != nil:
		s.log.ErrorContext(r.Context(), "sandbox: integration lookup failed", "err", err)
		fail(w, http.StatusInternalServerError, "internal error")
	case !validUser(user):
		fail(w, http.StatusBadRequest, "the user must be 1 to 64 letters, digits, dots, dashes or underscores")
	default:
		return it, user, true
	}
	return Integration{}, "", false
}

// answer posts body to the integration's webhook route and tells how it
// went.
func (s *Sandbox) answer(w http.ResponseWriter, r *http.Request, it Integration, body []byte, res result) {
	respond(w, s.post(r.Context(), it, body), res)
}

// respond tells how the webhook route answered, status.
func respond(w http.ResponseWriter, status int, res result) {
	res.WebhookStatus = status
	if res.WebhookStatus/100 != 2 {
		res.Error = fmt.Sprintf("the webhook route answered %d", res.WebhookStatus)
		writeJSON(w, http.StatusBadGateway, res)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// deepLinks are the links of R5: host, path before the handle, and the
// query parameter carried into the conversation.
var deepLinks = map[conversation.Channel]struct{ host, path, param string }{
	conversation.ChannelWhatsApp:  {"wa.me", "/", "text"},
	conversation.ChannelMessenger: {"m.me", "/", "ref"},
	conversation.ChannelInstagram: {"ig.me", "/m/", "ref"},
}

// follow checks that link is the integration's deep link and returns what
// it carries: the prefilled text (wa.me) or the ref (m.me, ig.me).
func follow(it Integration, link string) (string, error) {
	d := deepLinks[it.Channel]
	want := fmt.Sprintf("https://%s%s%s?%s=…", d.host, d.path, it.Handle, d.param)
	u, err := url.Parse(link)
	ok := err == nil && (u.Scheme == "https" || u.Scheme == "http") && strings.EqualFold(u.Host, d.host)
	var handle string
	if ok {
		handle, ok = strings.CutPrefix(u.Path, d.path)
	}
	// Usernames are case-insensitive; WhatsApp numbers are digits.
	if !ok || !strings.EqualFold(strings.TrimSuffix(handle, "/"), it.Handle) {
		return "", fmt.Errorf("not a link of this integration: want %s", want)
	}
	v := u.Query().Get(d.param)
	if v == "" {
		return "", fmt.Errorf("the link has no %s: want %s", d.param, want)
	}
	return v, nil
}

// decode reads a bounded JSON body into v, or answers.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooLarge.Limit))
		return false
	}
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return false
	}
	return true
}

func fail(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, result{Error: message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
