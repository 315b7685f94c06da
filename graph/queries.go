package graph

import (
	"context"

	"github.com/linkline/linkline/graph/model"
	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/feed"
)

func (r *mutationResolver) setStatus(ctx context.Context, gid string, st conversation.Status) (*model.ConversationPayload, error) {
	id, err := relay.Decode(relay.TypeConversation, gid)
	if err != nil {
		return nil, err
	}
	c, err := r.Conv.SetStatus(ctx, auth.FromContext(ctx), id, st)
	if err != nil {
		return nil, err
	}
	return &model.ConversationPayload{Conversation: c}, nil
}

// onConversation decodes a conversation's id and runs one service call on
// it, for the assignment and presence mutations.
func (r *mutationResolver) onConversation(ctx context.Context, gid string, change func(context.Context, *auth.Actor, int64) (*conversation.Conversation, error)) (*model.ConversationPayload, error) {
	id, err := relay.Decode(relay.TypeConversation, gid)
	if err != nil {
		return nil, err
	}
	c, err := change(ctx, auth.FromContext(ctx), id)
	if err != nil {
		return nil, err
	}
	return &model.ConversationPayload{Conversation: c}, nil
}

// onMessage runs a change on a message of a conversation, for the
// receipt mutations.
func (r *mutationResolver) onMessage(ctx context.Context, in model.MarkMessagesInput, change func(context.Context, *auth.Actor, int64, int64) (*conversation.Conversation, error)) (*model.ConversationPayload, error) {
	mid, err := relay.Decode(relay.TypeMessage, in.MessageID)
	if err != nil {
		return nil, err
	}
	return r.onConversation(ctx, in.ConversationID, func(ctx context.Context, actor *auth.Actor, id int64) (*conversation.Conversation, error) {
		return change(ctx, actor, id, mid)
	})
}

// node resolves a global id to what the caller may see of it; anything else
// is NOT_FOUND, exactly like an unknown id (R20).
func (r *queryResolver) node(ctx context.Context, gid string) (relay.Node, error) {
	actor := auth.FromContext(ctx)
	t, id, ok := relay.Parse(gid)
	if !ok {
		return nil, apperr.NotFoundf("node")
	}
	var n relay.Node
	var err error
	switch t {
	case relay.TypeConversation:
		n, err = r.Conv.Get(ctx, actor, id)
	case relay.TypeMessage:
		n, err = r.Conv.Message(ctx, actor, id)
	case relay.TypeEndUser:
		n, err = r.Conv.EndUserOf(ctx, actor, id)
	case relay.TypeAgent:
		if actor.Agent == nil {
			return nil, apperr.NotFoundf("node")
		}
		n, err = r.Accounts.Agent(ctx, actor.AccountID(), id)
	case relay.TypeIntegration:
		n, err = r.Channels.Get(ctx, actor, id)
	case relay.TypeWidget:
		if actor.Agent == nil {
			return nil, apperr.NotFoundf("node")
		}
		n, err = r.Settings.Widget(ctx, actor, id)
	case relay.TypeAPIToken:
		if actor.Agent == nil {
			return nil, apperr.NotFoundf("node")
		}
		n, err = r.Tokens.Get(ctx, actor, id)
	case relay.TypeLinkRequest:
		n, err = r.Links.Get(ctx, actor, id)
	case relay.TypeAccount:
		if actor.Agent == nil || id != actor.AccountID() {
			return nil, apperr.NotFoundf("node")
		}
		n, err = r.Accounts.Account(ctx, id)
	default:
		return nil, apperr.NotFoundf("node")
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

func (r *queryResolver) viewer(ctx context.Context) (*model.Viewer, error) {
	actor := auth.FromContext(ctx)
	v := &model.Viewer{Roles: []auth.Role{}, Agent: actor.Agent}
	for _, role := range []auth.Role{auth.RoleEndUser, auth.RoleAgent, auth.RoleAdmin} {
		if actor.Has(role) {
			v.Roles = append(v.Roles, role)
		}
	}
	var err error
	if actor.Agent != nil {
		if v.Account, err = r.Accounts.Account(ctx, actor.Agent.AccountID); err != nil {
			return nil, err
		}
	}
	if actor.Session != nil {
		if v.EndUser, err = r.Conv.EndUserOf(ctx, actor, actor.Session.EndUserID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (r *queryResolver) feedCursor(ctx context.Context) (string, error) {
	return r.Feed.HeadCursor(ctx, feed.Scope{AccountID: auth.FromContext(ctx).AccountID()})
}

func filterOf(f *model.ConversationFilter) conversation.Filter {
	var out conversation.Filter
	if f == nil {
		return out
	}
	if f.Status != nil {
		out.Status = *f.Status
	}
	if f.Channel != nil {
		out.Channel = *f.Channel
	}
	out.UpdatedSince = f.UpdatedSince
	out.Assignee = deref(f.Assignee)
	out.Search = deref(f.Search)
	return out
}

// deref is the zero value for null: an omitted optional input.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional is nil for the zero value: GraphQL's null for an empty string or
// enum.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
