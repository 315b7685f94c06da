package conversation

import (
	"strconv"
	"strings"

	"github.com/linkline/linkline/internal/apperr"
)

// Choice is a reply choice an agent offers with a message (R32): a button,
// a list row or a quick reply where the channel has one, a numbered line
// where it has not. The end user's answer carries its ID.
type Choice struct {
	ID    string
	Title string
}

// ChoiceForm is how a channel shows a message's choices; package delivery
// chooses it per channel before the message is queued.
type ChoiceForm string

const (
	// ChoiceButtons: WhatsApp reply buttons, the widget's buttons.
	ChoiceButtons ChoiceForm = "BUTTONS"
	// ChoiceList: a WhatsApp list message.
	ChoiceList ChoiceForm = "LIST"
	// ChoiceQuickReplies: Messenger and Instagram quick replies.
	ChoiceQuickReplies ChoiceForm = "QUICK_REPLIES"
	// ChoiceNumbered: the text with the choices as numbered lines, where
	// no native form holds them.
	ChoiceNumbered ChoiceForm = "NUMBERED_TEXT"
)

// ChoiceForm is how the message's choices are shown; nil when it offers
// none.
func (m *Message) ChoiceForm() *ChoiceForm {
	if m.Form == "" {
		return nil
	}
	return &m.Form
}

// Limits of an offer that hold whatever the channel. A numbered list longer
// than a screen is no longer a choice; ids are kept within what every
// platform echoes back (WhatsApp list rows: 200 characters).
const (
	MaxChoices     = 20
	maxChoiceID    = 200
	maxChoiceTitle = 80
)

// CheckChoices refuses choices no channel can offer: blank, too long or
// duplicate ids and titles, or more than MaxChoices.
func CheckChoices(cs []Choice) error {
	if len(cs) > MaxChoices {
		return apperr.Invalid("choices", "are %d; at most %d may be offered", len(cs), MaxChoices)
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		if err := checkText("choices.id", c.ID, maxChoiceID, false); err != nil {
			return err
		}
		if strings.TrimSpace(c.ID) != c.ID || strings.ContainsAny(c.ID, "\n\r\t") {
			return apperr.Invalid("choices.id", "%q has spaces around it or line breaks", c.ID)
		}
		if err := checkText("choices.title", c.Title, maxChoiceTitle, false); err != nil {
			return err
		}
		if strings.TrimSpace(c.Title) == "" || strings.ContainsAny(c.Title, "\n\r") {
			return apperr.Invalid("choices.title", "must be one line of text")
		}
		// Meta refuses buttons with equal titles, and an end user could
		// not tell them apart.
		title := strings.ToLower(strings.TrimSpace(c.Title))
		if ids[c.ID] || titles[title] {
			return apperr.Invalid("choices", "repeat %q: ids and titles must be unique", c.ID)
		}
		ids[c.ID], titles[title] = true, true
	}
	return nil
}

// Numbered is text with choices as the numbered lines an end user answers
// by number: the fallback where a channel has no form for them.
func Numbered(text string, cs []Choice) string {
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("\n")
	for i, c := range cs {
		b.WriteString("\n" + strconv.Itoa(i+1) + ". " + c.Title)
	}
	return b.String()
}

// choiceNumber is the number an end user typed to answer numbered
// choices ("2", " 2. "); 0 when text is not one.
func choiceNumber(text string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(text), "."))
	if err != nil || n < 1 || n > MaxChoices {
		return 0
	}
	return n
}

// Chosen is the id of the choice an end user's text answers by its
// number, as Numbered shows it; "" when the text is anything else.
func Chosen(text string, cs []Choice) string {
	if n := choiceNumber(text); n >= 1 && n <= len(cs) {
		return cs[n-1].ID
	}
	return ""
}

// Offers reports whether cs holds a choice with id.
func Offers(cs []Choice, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}
