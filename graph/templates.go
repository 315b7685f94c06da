package graph

import (
	"context"

	"github.com/linkline/linkline/graph/model"
	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/template"
)

func messageTemplates(ts []*template.Template) []*model.MessageTemplate {
	out := make([]*model.MessageTemplate, len(ts))
	for i, t := range ts {
		out[i] = &model.MessageTemplate{
			ID: relay.ID(relay.TypeTemplate, t.ID), IntegrationID: relay.ID(relay.TypeIntegration, t.IntegrationID),
			Name: t.Name, Language: t.Language, Status: t.Status, Category: t.Category,
			Header: t.Header, Body: t.Body, Footer: t.Footer, ParameterCount: t.Parameters, SyncedAt: t.SyncedAt,
		}
	}
	return out
}

// sendTemplateInput decodes the ids of a template to send.
func sendTemplateInput(conversationID, templateID string, params []string, clientMessageID string) (template.SendInput, error) {
	conv, err := relay.Decode(relay.TypeConversation, conversationID)
	if err != nil {
		return template.SendInput{}, err
	}
	id, err := relay.Decode(relay.TypeTemplate, templateID)
	if err != nil {
		return template.SendInput{}, err
	}
	return template.SendInput{ConversationID: conv, TemplateID: id, Parameters: params, ClientMessageID: clientMessageID}, nil
}

// hold converts a reply's hold option (R33): held when its window has
// closed, after the template when one is named.
func (r *mutationResolver) hold(ctx context.Context, in *conversation.SendInput, h *model.HoldInput) error {
	if h == nil {
		return nil
	}
	in.Hold = true
	if h.TemplateID == nil {
		return nil
	}
	id, err := relay.Decode(relay.TypeTemplate, *h.TemplateID)
	if err != nil {
		return err
	}
	in.Opener = r.Templates.Opener(auth.FromContext(ctx), template.SendInput{
		ConversationID: in.ConversationID, TemplateID: id, Parameters: h.TemplateParameters, ClientMessageID: in.ClientMessageID,
	})
	return nil
}
