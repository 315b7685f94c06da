package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// media is a file in a phone's thread, as the channel's app shows it:
// one the business sent, or one the phone sent. Kind is image, video,
// audio, document, sticker or location; a location has coordinates and
// an address instead of a file.
type media struct {
	Kind        string  `json:"kind"`
	Name        string  `json:"name,omitempty"`
	ContentType string  `json:"contentType,omitempty"`
	Size        int64   `json:"size,omitempty"`
	URL         string  `json:"url,omitempty"`
	Latitude    float64 `json:"latitude,omitempty"`
	Longitude   float64 `json:"longitude,omitempty"`
	Address     string  `json:"address,omitempty"`
}

// upload is a file a business posted to the fake WhatsApp media endpoint.
type upload struct {
	id, business      string
	name, contentType string
	data              []byte
}

// uploads keeps the files posted to the fake media endpoint, in memory:
// at most maxUploads per business, holding at most maxUploadBytes, the
// oldest forgotten first.
type uploads struct {
	files []*upload
	// fail is the number of uploads still to fail, and how.
	fail      int
	permanent bool
}

// Bounds of what the fake media endpoint keeps per business.
const (
	maxUploads     = 64
	maxUploadBytes = 64 << 20
)

// FailUploads makes the next n posts to the fake media endpoint fail as
// Meta's do: a temporary error (HTTP 500, code 2) that a retry gets past,
// or, when permanent, WhatsApp's media upload error (HTTP 400, code
// 131053). Tests use it to show what delivery makes of both (R17).
func (s *Sandbox) FailUploads(n int, permanent bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads.fail, s.uploads.permanent = n, permanent
}

// serveUpload answers POST /{version}/{phone-number-id}/media: the
// multipart form of WhatsApp's media upload (messaging_product=whatsapp,
// type, file), from business. It keeps the bytes and answers {"id"}.
func (s *Sandbox) serveUpload(r *http.Request, body io.Reader, business string) (int, any) {
	if _, err := s.integrations.SandboxByBusiness(r.Context(), conversation.ChannelWhatsApp, business); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return unknownObject(business)
		}
		return graphError(http.StatusServiceUnavailable, 2, 0, "Service temporarily unavailable")
	}
	if status, answer, failed := s.uploadFault(); failed {
		return status, answer
	}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return graphError(http.StatusBadRequest, 100, 0, "(#100) the media upload is a multipart/form-data request")
	}
	form := multipart.NewReader(io.LimitReader(body, maxUploadBytes+64<<10), params["boundary"])
	fields := map[string]string{}
	var file *upload
	for {
		part, err := form.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return graphError(http.StatusBadRequest, 100, 0, "(#100) unreadable multipart body")
		}
		if part.FormName() != "file" {
			v, _ := io.ReadAll(io.LimitReader(part, 1<<10))
			fields[part.FormName()] = string(v)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxUploadBytes+1))
		if err != nil {
			return graphError(http.StatusBadRequest, 100, 0, "(#100) unreadable file part")
		}
		if len(data) > maxUploadBytes {
			return graphError(http.StatusBadRequest, 131053, 0, "Media upload error: the sandbox keeps files up to 64 MB")
		}
		file = &upload{name: part.FileName(), contentType: part.Header.Get("Content-Type"), data: data}
	}
	switch {
	case fields["messaging_product"] != "whatsapp":
		return graphError(http.StatusBadRequest, 100, 0, "(#100) messaging_product must be whatsapp")
	case file == nil:
		return graphError(http.StatusBadRequest, 100, 0, "(#100) the file parameter is required")
	case fields["type"] == "":
		return graphError(http.StatusBadRequest, 100, 0, "(#100) the type parameter is required")
	}
	file.id, file.business, file.contentType = newMediaID(), business, fields["type"]
	s.keep(file)
	return http.StatusOK, map[string]string{"id": file.id}
}

// uploadFault is the failure FailUploads asked for, when one is due.
func (s *Sandbox) uploadFault() (int, any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uploads.fail == 0 {
		return 0, nil, false
	}
	s.uploads.fail--
	if s.uploads.permanent {
		status, answer := graphError(http.StatusBadRequest, 131053, 0, "Media upload error")
		return status, answer, true
	}
	status, answer := graphError(http.StatusInternalServerError, 2, 0, "Service temporarily unavailable")
	return status, answer, true
}

// keep stores f, forgetting the business's oldest files beyond the
// bounds.
func (s *Sandbox) keep(f *upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads.files = append(s.uploads.files, f)
	n, size := 0, int64(0)
	for _, u := range slices.Backward(s.uploads.files) {
		if u.business != f.business {
			continue
		}
		n, size = n+1, size+int64(len(u.data))
		if n > maxUploads || size > maxUploadBytes {
			u.data = nil
		}
	}
	s.uploads.files = slices.DeleteFunc(s.uploads.files, func(u *upload) bool { return u.data == nil })
}

// uploaded returns business's file id, or nil.
func (s *Sandbox) uploaded(business, id string) *upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.uploads.files, func(u *upload) bool { return u.id == id && u.business == business })
	if i < 0 {
		return nil
	}
	return s.uploads.files[i]
}

// newMediaID returns a media id shaped like WhatsApp's: digits.
func newMediaID() string {
	id := strings.Map(func(r rune) rune { return '0' + r%10 }, newID(""))
	return strings.TrimLeft(id, "0") + "1"
}

// waMediaKinds are the WhatsApp message types that carry a file.
var waMediaKinds = []string{"image", "video", "audio", "document", "sticker"}

// mediaSend tells whether raw, a send on channel ch, carries a file:
// a WhatsApp media message, a Send API attachment.
func mediaSend(ch conversation.Channel, raw []byte) bool {
	var req struct {
		Type    string `json:"type"`
		Message struct {
			Attachment json.RawMessage `json:"attachment"`
		} `json:"message"`
	}
	if json.Unmarshal(raw, &req) != nil {
		return false
	}
	if ch == conversation.ChannelWhatsApp {
		return slices.Contains(waMediaKinds, req.Type)
	}
	return req.Message.Attachment != nil
}

// mediaReader reads the media sends of business on ch into the lines a
// phone shows.
func (s *Sandbox) mediaReader(ch conversation.Channel, it Integration) func([]byte) (string, line, error) {
	if ch == conversation.ChannelWhatsApp {
		return func(raw []byte) (string, line, error) { return s.readWhatsAppMedia(it, raw) }
	}
	return readAttachment
}

// waMedia is the media object of a WhatsApp media message: an uploaded
// file's id or a link, and what goes with it.
type waMedia struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

// readWhatsAppMedia reads a Cloud API media message, whose file is one
// the business uploaded (by id) or a link. An uploaded file's URL is the
// phone API's GET /{key}/media/{id}, relative to the phone's URL.
func (s *Sandbox) readWhatsAppMedia(it Integration, raw []byte) (string, line, error) {
	var req struct {
		To        string `json:"to"`
		Recipient string `json:"recipient"`
		Type      string `json:"type"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", line{}, fmt.Errorf("invalid JSON: %w", err)
	}
	var objects map[string]json.RawMessage
	_ = json.Unmarshal(raw, &objects)
	var m waMedia
	if err := json.Unmarshal(objects[req.Type], &m); err != nil {
		return "", line{}, fmt.Errorf("a %s message needs its %s object", req.Type, req.Type)
	}
	user := cmp.Or(req.To, req.Recipient)
	if !validUser(user) {
		return "", line{}, fmt.Errorf("invalid recipient %q", user)
	}
	if m.Caption != "" && (req.Type == "audio" || req.Type == "sticker") {
		return "", line{}, fmt.Errorf("a %s message takes no caption", req.Type)
	}
	l := line{Text: m.Caption, Media: &media{Kind: req.Type, Name: m.Filename}}
	switch {
	case m.ID != "":
		u := s.uploaded(it.BusinessID, m.ID)
		if u == nil {
			return "", line{}, fmt.Errorf("no uploaded media has id %q", m.ID)
		}
		l.Media.ContentType, l.Media.Size = u.contentType, int64(len(u.data))
		l.Media.URL = "/sandbox/" + it.WebhookKey + "/media/" + u.id
		if l.Media.Name == "" {
			l.Media.Name = u.name
		}
	case m.Link != "":
		l.Media.URL = m.Link
		if l.Media.Name == "" {
			l.Media.Name = nameOf(m.Link)
		}
	default:
		return "", line{}, fmt.Errorf("a %s message needs an id or a link", req.Type)
	}
	return user, l, nil
}

// attachmentKinds are what a phone shows of the Send API's attachment
// types.
var attachmentKinds = map[string]string{"image": "image", "video": "video", "audio": "audio", "file": "document"}

// readAttachment reads a Send API call with an attachment Meta would
// fetch from payload.url; the phone shows that URL.
func readAttachment(raw []byte) (string, line, error) {
	var req struct {
		Recipient mpID `json:"recipient"`
		Message   struct {
			Text       string `json:"text"`
			Attachment struct {
				Type    string `json:"type"`
				Payload struct {
					URL string `json:"url"`
				} `json:"payload"`
			} `json:"attachment"`
		} `json:"message"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", line{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if !validUser(req.Recipient.ID) {
		return "", line{}, fmt.Errorf("invalid recipient.id %q", req.Recipient.ID)
	}
	a := req.Message.Attachment
	kind, ok := attachmentKinds[a.Type]
	switch {
	case !ok:
		return "", line{}, fmt.Errorf("invalid attachment type %q", a.Type)
	case req.Message.Text != "":
		return "", line{}, errors.New("a message with an attachment takes no text")
	case a.Payload.URL == "":
		return "", line{}, errors.New("the sandbox takes attachments by payload.url")
	}
	return req.Recipient.ID, line{Media: &media{Kind: kind, Name: nameOf(a.Payload.URL), URL: a.Payload.URL}}, nil
}

// nameOf is the file name a URL ends with.
func nameOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return path.Base(p.Path)
}

// serveMedia serves GET /{key}/media/{id}: a file the business of the
// integration with webhook key {key} uploaded, as a phone downloads it.
// Only pictures, sound and video show inline; nothing is sniffed.
func (s *Sandbox) serveMedia(w http.ResponseWriter, r *http.Request) {
	it, err := s.integrations.SandboxByKey(r.Context(), r.PathValue("key"))
	if err != nil {
		status := http.StatusNotFound
		if apperr.CodeOf(err) != apperr.NotFound {
			s.log.ErrorContext(r.Context(), "sandbox: integration lookup failed", "err", err)
			status = http.StatusInternalServerError
		}
		fail(w, status, "no sandbox integration has this webhook key")
		return
	}
	u := s.uploaded(it.BusinessID, r.PathValue("id"))
	if u == nil {
		fail(w, http.StatusNotFound, "no uploaded media has this id")
		return
	}
	ct := u.contentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(u.data)))
	if major, _, _ := strings.Cut(ct, "/"); major != "image" && major != "audio" && major != "video" || ct == "image/svg+xml" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": u.name}))
	}
	_, _ = w.Write(u.data)
}
