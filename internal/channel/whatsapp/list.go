package whatsapp

import (
	"context"
	"fmt"
	"strconv"

	"github.com/linkline/linkline/internal/channel"
)

// List-message limits of the Cloud API.
const (
	MaxListRows     = 10
	MaxListRowTitle = 24
)

// listRequest is an interactive list message: one section of rows behind
// a menu button.
type listRequest struct {
	request
	Interactive listInteractive `json:"interactive"`
}

type listInteractive struct {
	Type string `json:"type"`
	Body struct {
		Text string `json:"text"`
	} `json:"body"`
	Action struct {
		// Button is the label of the button that opens the list (at most
		// 20 characters).
		Button   string        `json:"button"`
		Sections []listSection `json:"sections"`
	} `json:"action"`
}

type listSection struct {
	Rows []choice `json:"rows"`
}

// SendList sends the choices as an interactive list message, for more
// choices than reply buttons hold (R32). The menu button is labelled with
// the range of the rows' numbers ("1–7"): every language reads it, so it
// needs no catalog text. Like SendPrompt, more choices than fit is an
// error and longer titles are cut.
func (a *Adapter) SendList(ctx context.Context, c channel.Credentials, p channel.Prompt) (channel.Sent, error) {
	if n := len(p.Choices); n == 0 || n > MaxListRows {
		return channel.Sent{}, fmt.Errorf("whatsapp: a list needs 1 to %d rows, got %d", MaxListRows, n)
	}
	r := listRequest{request: newRequest(p.To, "interactive")}
	r.Interactive.Type = "list"
	r.Interactive.Body.Text = p.Body
	r.Interactive.Action.Button = "1–" + strconv.Itoa(len(p.Choices))
	var rows []choice
	for _, ch := range p.Choices {
		rows = append(rows, choice{ID: ch.ID, Title: truncate(ch.Title, MaxListRowTitle)})
	}
	r.Interactive.Action.Sections = []listSection{{Rows: rows}}
	return a.send(ctx, c, r)
}
