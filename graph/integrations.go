package graph

import (
	"context"

	"github.com/linkline/linkline/graph/model"
	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/integration"
)

func integrationInput(in model.ConnectIntegrationInput) integration.Input {
	return integration.Input{
		Channel: in.Channel, Sandbox: in.Sandbox != nil && *in.Sandbox, BusinessID: in.BusinessID,
		Handle: &in.Handle, DisplayName: in.DisplayName, WABAID: in.WabaID,
		AccessToken: in.AccessToken, AppSecret: in.AppSecret, VerifyToken: in.VerifyToken,
	}
}

func (r *mutationResolver) setIntegrationEnabled(ctx context.Context, gid string, enabled bool) (*model.IntegrationPayload, error) {
	id, err := relay.Decode(relay.TypeIntegration, gid)
	if err != nil {
		return nil, err
	}
	it, err := r.Channels.SetEnabled(ctx, auth.FromContext(ctx), id, enabled)
	if err != nil {
		return nil, err
	}
	return &model.IntegrationPayload{Integration: it}, nil
}
