package graph

import (
	"github.com/linkline/linkline/graph/model"
	"github.com/linkline/linkline/internal/conversation"
)

// choices converts the reply choices of a reply's input (R32).
func choices(in []*model.ChoiceInput) []conversation.Choice {
	out := make([]conversation.Choice, len(in))
	for i, c := range in {
		out[i] = conversation.Choice{ID: c.ID, Title: c.Title}
	}
	return out
}
