package sandbox

import (
	"fmt"
	"unicode/utf8"
)

// The forms of choices a phone draws (R32).
const (
	formButtons      = "buttons"
	formList         = "list"
	formQuickReplies = "quick_replies"
)

// listLine is a WhatsApp list message as the phone shows it, refused as
// the Cloud API refuses it: more than 10 rows, or a menu label or row
// title over its length.
func listLine(body, menu string, rows []choice) (line, error) {
	if len(rows) == 0 || len(rows) > 10 {
		return line{}, fmt.Errorf("a list takes 1 to 10 rows, not %d", len(rows))
	}
	if utf8.RuneCountInString(menu) > 20 {
		return line{}, fmt.Errorf("action.button is longer than 20 characters")
	}
	for _, r := range rows {
		if r.ID == "" || r.Title == "" || utf8.RuneCountInString(r.Title) > 24 {
			return line{}, fmt.Errorf("row %q needs an id and a title of at most 24 characters", r.ID)
		}
	}
	return line{Text: body, Form: formList, Menu: menu, Choices: rows}, nil
}
