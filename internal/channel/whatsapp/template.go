package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/linkline/linkline/internal/channel"
)

// templatePage bounds the templates read per request; the Cloud API pages
// with cursors beyond it.
const templatePage = "100"

// maxTemplatePages stops a paging loop that never ends.
const maxTemplatePages = 50

// Templates lists the WABA's message templates (R33): GET
// /{WABA-ID}/message_templates with the fields the service keeps,
// following the paging cursors to the end.
func (a *Adapter) Templates(ctx context.Context, c channel.Credentials) ([]channel.Template, error) {
	if c.WABAID == "" {
		return nil, errors.New("whatsapp: the integration has no WhatsApp Business Account id")
	}
	q := url.Values{"fields": {"name,language,status,category,components"}, "limit": {templatePage}}
	var out []channel.Template
	for range maxTemplatePages {
		raw, err := a.client.Get(ctx, url.PathEscape(c.WABAID)+"/message_templates", q, c.AccessToken)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []struct {
				Name       string `json:"name"`
				Language   string `json:"language"`
				Status     string `json:"status"`
				Category   string `json:"category"`
				Components []struct {
					Type   string `json:"type"`
					Format string `json:"format"`
					Text   string `json:"text"`
				} `json:"components"`
			} `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("whatsapp: unreadable template list: %w", err)
		}
		for _, d := range page.Data {
			t := channel.Template{Name: d.Name, Language: d.Language, Status: d.Status, Category: d.Category}
			for _, c := range d.Components {
				t.Components = append(t.Components, channel.TemplateComponent{Type: c.Type, Format: c.Format, Text: c.Text})
			}
			out = append(out, t)
		}
		// Meta gives "next" only while there is more.
		if page.Paging.Next == "" || page.Paging.Cursors.After == "" {
			return out, nil
		}
		q.Set("after", page.Paging.Cursors.After)
	}
	return nil, errors.New("whatsapp: the template list does not end")
}

type templateRequest struct {
	request
	Template templateBody `json:"template"`
}

type templateBody struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []templateComponent `json:"components,omitempty"`
}

type templateComponent struct {
	Type       string              `json:"type"`
	Parameters []templateParameter `json:"parameters"`
}

type templateParameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// SendTemplate sends an approved template, its body's parameters in order
// (type "template"): the Cloud API takes it whether or not the 24-hour
// window is open (R33).
func (a *Adapter) SendTemplate(ctx context.Context, c channel.Credentials, t channel.TemplateMessage) (channel.Sent, error) {
	r := templateRequest{request: newRequest(t.To, "template")}
	r.Template.Name = t.Name
	r.Template.Language.Code = t.Language
	if len(t.Parameters) > 0 {
		body := templateComponent{Type: "body"}
		for _, p := range t.Parameters {
			body.Parameters = append(body.Parameters, templateParameter{Type: "text", Text: p})
		}
		r.Template.Components = []templateComponent{body}
	}
	return a.send(ctx, c, r)
}
