package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
)

// sandboxTemplate is a message template every sandbox WhatsApp number has,
// as the Cloud API lists one (R33).
type sandboxTemplate struct {
	Name, Language, Status, Category string
	Header, Body, Footer             string
}

// sandboxTemplates are what the fake Graph API lists for any sandbox
// WABA: approved ones in two languages, and one still pending review.
var sandboxTemplates = []sandboxTemplate{
	{Name: "follow_up", Language: "en_US", Status: "APPROVED", Category: "UTILITY",
		Body: "Hi {{1}}, we have an answer to your question. Reply to this message to continue the conversation."},
	{Name: "follow_up", Language: "el", Status: "APPROVED", Category: "UTILITY",
		Body: "Γεια σας {{1}}, έχουμε απάντηση στην ερώτησή σας. Απαντήστε σε αυτό το μήνυμα για να συνεχίσουμε."},
	{Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY",
		Header: "Order update", Body: "Hi {{1}}, your order {{2}} has shipped.", Footer: "Reply to talk to us"},
	{Name: "spring_sale", Language: "en_US", Status: "PENDING", Category: "MARKETING",
		Body: "Our spring sale starts now!"},
}

// serveTemplates answers GET /{version}/{waba-id}/message_templates for a
// sandbox WhatsApp number, in one page.
func serveTemplates() (int, any) {
	type component struct {
		Type   string `json:"type"`
		Format string `json:"format,omitempty"`
		Text   string `json:"text"`
	}
	type entry struct {
		ID         string      `json:"id"`
		Name       string      `json:"name"`
		Language   string      `json:"language"`
		Status     string      `json:"status"`
		Category   string      `json:"category"`
		Components []component `json:"components"`
	}
	var data []entry
	for i, t := range sandboxTemplates {
		e := entry{ID: strconv.Itoa(9000 + i), Name: t.Name, Language: t.Language, Status: t.Status, Category: t.Category}
		if t.Header != "" {
			e.Components = append(e.Components, component{Type: "HEADER", Format: "TEXT", Text: t.Header})
		}
		e.Components = append(e.Components, component{Type: "BODY", Text: t.Body})
		if t.Footer != "" {
			e.Components = append(e.Components, component{Type: "FOOTER", Text: t.Footer})
		}
		data = append(data, e)
	}
	return http.StatusOK, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "MAZDZD", "after": "MjQZD"}}}
}

var parameterPlace = regexp.MustCompile(`\{\{(\d+)\}\}`)

// templateLine is a template send as the phone shows it, refused as the
// Cloud API refuses it: a template that does not exist in that language
// (132001), is not approved (132015: paused; the sandbox uses it for any
// status), or gets another number of body parameters (132000).
func templateLine(name, language string, params []string) (line, error) {
	for _, t := range sandboxTemplates {
		if t.Name != name || t.Language != language {
			continue
		}
		if t.Status != "APPROVED" {
			return line{}, fmt.Errorf("(#132015) template %s is %s", name, t.Status)
		}
		want := 0
		for _, m := range parameterPlace.FindAllStringSubmatch(t.Body, -1) {
			if n, _ := strconv.Atoi(m[1]); n > want {
				want = n
			}
		}
		if len(params) != want {
			return line{}, fmt.Errorf("(#132000) number of parameters (%d) does not match the expected number of params (%d)", len(params), want)
		}
		body := parameterPlace.ReplaceAllStringFunc(t.Body, func(p string) string {
			n, _ := strconv.Atoi(p[2 : len(p)-2])
			return params[n-1]
		})
		text := body
		if t.Header != "" {
			text = t.Header + "\n\n" + text
		}
		if t.Footer != "" {
			text += "\n\n" + t.Footer
		}
		return line{Text: text, Template: name}, nil
	}
	return line{}, fmt.Errorf("(#132001) template name %s does not exist in %s", name, language)
}
