package template

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/integration"
)

// R33: a listed template keeps its text components and counts its body's
// parameters; it reads as the end user sees it, parameters in place.
func TestFromChannel(t *testing.T) {
	it := &integration.Integration{ID: 3, AccountID: 1}
	tp := fromChannel(it, channel.Template{Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY",
		Components: []channel.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Order update"},
			{Type: "BODY", Text: "Hi {{1}}, order {{2}} ships {{2}}."},
			{Type: "FOOTER", Text: "Reply to talk to us"},
			{Type: "BUTTONS"},
		}}, time.Unix(0, 0))
	if tp.Parameters != 2 || tp.Header != "Order update" || tp.Footer != "Reply to talk to us" || tp.IntegrationID != 3 {
		t.Fatalf("template: %+v", tp)
	}
	if got := tp.Text([]string{"Ana", "#7"}); got != "Order update\n\nHi Ana, order #7 ships #7.\n\nReply to talk to us" {
		t.Errorf("text: %q", got)
	}
	image := fromChannel(it, channel.Template{Components: []channel.TemplateComponent{{Type: "HEADER", Format: "IMAGE"}, {Type: "BODY", Text: "Hi"}}}, time.Unix(0, 0))
	if image.Header != "" || image.Parameters != 0 {
		t.Errorf("image header: %+v", image)
	}
}

// R33: parameters are checked against the template before anything is
// queued.
func TestCheck(t *testing.T) {
	tp := &Template{Name: "t", Status: StatusApproved, Parameters: 2}
	for name, tc := range map[string]struct {
		status string
		params []string
		ok     bool
	}{
		"fits":            {StatusApproved, []string{"Ana", "#7"}, true},
		"too few":         {StatusApproved, []string{"Ana"}, false},
		"too many":        {StatusApproved, []string{"Ana", "#7", "x"}, false},
		"blank":           {StatusApproved, []string{"Ana", "  "}, false},
		"line break":      {StatusApproved, []string{"Ana", "a\nb"}, false},
		"tab":             {StatusApproved, []string{"Ana", "a\tb"}, false},
		"five spaces":     {StatusApproved, []string{"Ana", "a     b"}, false},
		"pending":         {"PENDING", []string{"Ana", "#7"}, false},
		"rejected":        {"REJECTED", []string{"Ana", "#7"}, false},
		"invalid unicode": {StatusApproved, []string{"Ana", "\xff"}, false},
	} {
		tp.Status = tc.status
		err := tp.Check(tc.params)
		if tc.ok != (err == nil) || err != nil && apperr.CodeOf(err) != apperr.BadUserInput {
			t.Errorf("%s: %v", name, err)
		}
	}
}
