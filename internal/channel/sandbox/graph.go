package sandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/conversation"
)

// maxGraphBody bounds a send read by the fake Graph API; the adapters'
// are a few KiB at most.
const maxGraphBody = 1 << 20

// Transport is the fake Graph API, for the http.Client of the adapters
// that serve sandbox integrations (any BaseURL does). It takes exactly the
// adapters' sends: POST /{version}/{phone-number-id}/messages (WhatsApp
// text and reply buttons), /{version}/me/messages (Messenger) and
// /{version}/{ig-id}/messages (Instagram), authorised by AccessToken of
// the integration, and WhatsApp's media messages, whose files it takes
// at POST /{version}/{phone-number-id}/media (see serveUpload), and the
// Send API's attachments by URL. It records each message in the
// recipient's phone, answers as Meta documents, and then posts the status
// webhooks. It takes typing and read signals too (see serveSignal). It
// answers the Messenger and Instagram user-profile reads, GET
// /{version}/{user-id}?fields=… (see serveProfile), and serves the files
// phones send: WhatsApp's GET /{version}/{media-id} and the download URLs
// it and the webhooks give (see serveSentMedia).
func (s *Sandbox) Transport() http.RoundTripper { return graph{s} }

type graph struct{ s *Sandbox }

func (g graph) RoundTrip(r *http.Request) (*http.Response, error) {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	defer body.Close()
	if resp, ok := g.s.serveSentMedia(r); ok {
		return resp, nil
	}
	status, answer := g.s.serveGraph(r, body)
	return graphResponse(r, status, answer), nil
}

// serveGraph answers r, whose body is body, with an HTTP status and a
// JSON answer.
func (s *Sandbox) serveGraph(r *http.Request, body io.Reader) (int, any) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	profile := r.Method == http.MethodGet && len(parts) == 2 && validUser(parts[1])
	send := r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "messages"
	templates := r.Method == http.MethodGet && len(parts) == 3 && parts[2] == "message_templates"
	upload := r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "media"
	if !profile && !send && !templates && !upload {
		return graphError(http.StatusBadRequest, 100, 0, "Unsupported request: the sandbox takes POST /{version}/{id}/messages and GET /{version}/{user-id}")
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	business, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || business == "" {
		return graphError(http.StatusUnauthorized, 190, 0, "Invalid OAuth access token: sandbox integrations use sandbox:<business id>")
	}
	if profile {
		return s.serveProfile(r.Context(), business, parts[1], r.URL.Query())
	}
	if templates {
		return serveTemplates()
	}
	object := parts[1]
	if object != "me" && object != business {
		return unknownObject(object)
	}
	if upload {
		return s.serveUpload(r, body, business)
	}
	raw, err := io.ReadAll(io.LimitReader(body, maxGraphBody))
	if err != nil {
		return graphError(http.StatusBadRequest, 100, 0, "Unreadable request body")
	}
	ch := channelOf(object, raw)
	it, err := s.integrations.SandboxByBusiness(r.Context(), ch, business)
	if apperr.CodeOf(err) == apperr.NotFound {
		return unknownObject(business)
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "sandbox: integration lookup failed", "channel", ch, "business", business, "err", err)
		return graphError(http.StatusServiceUnavailable, 2, 0, "Service temporarily unavailable")
	}

	if sig, ok := readSignal(ch, raw); ok {
		return s.serveSignal(it, sig)
	}
	read := readMessaging
	if ch == conversation.ChannelWhatsApp {
		read = readWhatsApp
	}
	if mediaSend(ch, raw) {
		read = s.mediaReader(ch, it)
	}
	user, l, err := read(raw)
	if err != nil {
		return graphError(http.StatusBadRequest, 100, 0, "(#100) "+err.Error())
	}
	l.ID, l.From, l.Time = newID(idPrefix(ch)), fromBusiness, s.now()
	s.add(keyOf(it, user), l, "")
	if reports := deliveryWebhooks(it, user, l); len(reports) > 0 {
		s.later(func(ctx context.Context) { s.postAll(ctx, it, reports) })
	}
	return http.StatusOK, sendAnswer(ch, user, l.ID)
}

// channelOf tells the channel of a send: Messenger posts to me/messages,
// WhatsApp and Instagram to their business's id, WhatsApp's naming its
// product.
func channelOf(object string, raw []byte) conversation.Channel {
	if object == "me" {
		return conversation.ChannelMessenger
	}
	var body struct {
		MessagingProduct string `json:"messaging_product"`
	}
	if json.Unmarshal(raw, &body) == nil && body.MessagingProduct == "whatsapp" {
		return conversation.ChannelWhatsApp
	}
	return conversation.ChannelInstagram
}

// readWhatsApp reads a Cloud API send: a text, or an interactive message
// with reply buttons or a list, to a phone number ("to") or a BSUID
// ("recipient").
func readWhatsApp(raw []byte) (string, line, error) {
	var req struct {
		To        string `json:"to"`
		Recipient string `json:"recipient"`
		Type      string `json:"type"`
		Text      waText `json:"text"`
		// Interactive is a reply-button or list message.
		Interactive struct {
			Type string `json:"type"`
			Body struct {
				Text string `json:"text"`
			} `json:"body"`
			Action struct {
				Buttons []struct {
					Reply choice `json:"reply"`
				} `json:"buttons"`
				// Button labels a list's menu; Sections hold its rows.
				Button   string `json:"button"`
				Sections []struct {
					Rows []choice `json:"rows"`
				} `json:"sections"`
			} `json:"action"`
		} `json:"interactive"`
		// Template is a template message (R33).
		Template struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Type       string `json:"type"`
				Parameters []struct {
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", line{}, fmt.Errorf("invalid JSON: %w", err)
	}
	user := cmp.Or(req.To, req.Recipient)
	if !validUser(user) {
		return "", line{}, fmt.Errorf("invalid recipient %q", user)
	}
	in := req.Interactive
	switch {
	case req.Type == "text" && req.Text.Body != "":
		return user, line{Text: req.Text.Body}, nil
	case req.Type == "interactive" && in.Type == "button" && in.Body.Text != "" && len(in.Action.Buttons) > 0:
		l := line{Text: in.Body.Text, Form: formButtons}
		for _, b := range in.Action.Buttons {
			l.Choices = append(l.Choices, b.Reply)
		}
		return user, l, nil
	case req.Type == "template":
		var params []string
		for _, c := range req.Template.Components {
			for _, p := range c.Parameters {
				if c.Type == "body" {
					params = append(params, p.Text)
				}
			}
		}
		l, err := templateLine(req.Template.Name, req.Template.Language.Code, params)
		return user, l, err
	case req.Type == "interactive" && in.Type == "list" && in.Body.Text != "" && in.Action.Button != "" && len(in.Action.Sections) > 0:
		l, err := listLine(in.Body.Text, in.Action.Button, in.Action.Sections[0].Rows)
		return user, l, err
	}
	return "", line{}, fmt.Errorf("the sandbox takes text, reply-button and list messages with a body, not type %q", req.Type)
}

// readMessaging reads a Send API call of Messenger or Instagram: a text,
// with quick replies or not.
func readMessaging(raw []byte) (string, line, error) {
	var req struct {
		Recipient mpID `json:"recipient"`
		Message   struct {
			Text         string `json:"text"`
			QuickReplies []struct {
				Title   string `json:"title"`
				Payload string `json:"payload"`
			} `json:"quick_replies"`
		} `json:"message"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", line{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if !validUser(req.Recipient.ID) {
		return "", line{}, fmt.Errorf("invalid recipient.id %q", req.Recipient.ID)
	}
	if req.Message.Text == "" {
		return "", line{}, fmt.Errorf("the sandbox takes messages with text")
	}
	l := line{Text: req.Message.Text}
	if len(req.Message.QuickReplies) > 0 {
		l.Form = formQuickReplies
	}
	for _, q := range req.Message.QuickReplies {
		l.Choices = append(l.Choices, choice{ID: q.Payload, Title: q.Title})
	}
	return req.Recipient.ID, l, nil
}

// sendAnswer is Meta's documented answer to a send.
func sendAnswer(ch conversation.Channel, user, id string) any {
	if ch != conversation.ChannelWhatsApp {
		return map[string]string{"recipient_id": user, "message_id": id}
	}
	type contact struct {
		Input  string `json:"input"`
		WaID   string `json:"wa_id,omitempty"`
		UserID string `json:"user_id,omitempty"`
	}
	waID, userID := waUser(user)
	return struct {
		MessagingProduct string              `json:"messaging_product"`
		Contacts         []contact           `json:"contacts"`
		Messages         []map[string]string `json:"messages"`
	}{"whatsapp", []contact{{Input: user, WaID: waID, UserID: userID}}, []map[string]string{{"id": id}}}
}

// graphError is Meta's error envelope, which meta.Classify reads: 190 an
// invalid token, 100 a bad parameter, 2 a temporary failure.
func graphError(status, code, subcode int, message string) (int, any) {
	type detail struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode,omitempty"`
		FBTraceID string `json:"fbtrace_id"`
	}
	return status, map[string]detail{"error": {Message: message, Type: "OAuthException", Code: code, Subcode: subcode, FBTraceID: "sandbox"}}
}

// unknownObject is Meta's answer for an id that no sandbox integration
// has, or that the token does not reach.
func unknownObject(id string) (int, any) {
	return graphError(http.StatusBadRequest, 100, 33, fmt.Sprintf(
		"Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", id))
}
