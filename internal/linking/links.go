package linking

import (
	"context"
	"time"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/conversation"
)

// This file holds what linking and unlinking do to a conversation and an
// identity (R6, R8, R11, R12, R25, R26), as plans the writer stores under
// the account's lock.

// confirmed is the end user's yes on the channel.
type confirmed struct {
	integration int64
	from        channel.Identity
	// at is when the end user tapped yes.
	at time.Time
}

// activation is the write that links the identity that confirmed r.
func activation(r *conversation.LinkRequest, yes confirmed) conversation.Activation {
	return conversation.Activation{
		AccountID: r.AccountID, ConversationID: r.ConversationID,
		RequestID: r.ID, RequestFrom: string(conversation.RequestAwaiting), RequestTo: string(conversation.RequestLinked),
		Channel: r.Channel, ExternalID: yes.from.ID,
		Plan: func(st conversation.ActivationState) conversation.ActivationPlan {
			return planActivation(st, r.Channel, yes)
		},
	}
}

// planActivation links the identity that said yes to the conversation. It
// joins the conversation's end user (R16) and its messages land there (R7);
// linked to another conversation before, it moves, and both histories say
// so (R8). The channel becomes the reply route at once, and the yes, a
// message of the end user's, opens the channel's window (R11, R25).
func planActivation(st conversation.ActivationState, ch conversation.Channel, yes confirmed) conversation.ActivationPlan {
	c, now := st.Conversation, st.Now
	id := &conversation.Identity{AccountID: c.AccountID, Channel: ch, ExternalID: yes.from.ID, DisplayName: yes.from.Name, CreatedAt: now}
	if st.Identity != nil {
		copied := *st.Identity
		id = &copied
	}
	p := conversation.ActivationPlan{Route: ch, NewLink: !(id.ConversationID == c.ID && id.LinkedAt != nil)}
	if prev := st.Previous; prev != nil {
		if id.LinkedAt != nil {
			p.EndPrevious = &conversation.LinkEnd{By: conversation.ActorEndUser, Reason: conversation.ReasonMoved}
			if prev.LastChannel == ch {
				p.PreviousRoute = conversation.ChannelWebWidget
			}
		}
		p.PreviousNote = &conversation.Note{Kind: conversation.NoteLinkMoved, Channel: ch, Identity: id.Masked(),
			EndedBy: conversation.ActorEndUser, Reason: conversation.ReasonMoved}
	}
	id.EndUserID, id.ConversationID, id.IntegrationID, id.LinkedAt = c.EndUserID, c.ID, yes.integration, &now
	if yes.from.Name != "" {
		id.DisplayName = yes.from.Name
	}
	if at := yes.at.UTC(); !yes.at.IsZero() && (id.LastInboundAt == nil || at.After(*id.LastInboundAt)) {
		id.LastInboundAt = &at
	}
	p.Identity = id
	p.Note = &conversation.Note{Kind: conversation.NoteLinked, Channel: ch, Identity: id.Masked()}
	return p
}

// detachment is the write that ends a conversation's links on ch.
func detachment(accountID, conversationID int64, ch conversation.Channel, by conversation.LinkActor) conversation.Detachment {
	return conversation.Detachment{AccountID: accountID, ConversationID: conversationID, Channel: ch, Plan: func(st conversation.DetachmentState) (conversation.DetachmentPlan, error) {
		return planDetachment(st, ch, by)
	}}
}

// planDetachment ends the links on ch. Each identity leaves the
// conversation's end user for a new end user of its own, so that what it
// sends afterwards opens a conversation the end user's sessions cannot see
// (R12, R26); replies fall back to the widget. Who ended the link is kept:
// the end user (Disconnect), an agent, or an admin setting (R3).
func planDetachment(st conversation.DetachmentState, ch conversation.Channel, by conversation.LinkActor) (conversation.DetachmentPlan, error) {
	if len(st.Linked) == 0 {
		return conversation.DetachmentPlan{}, apperr.NotFoundf("link")
	}
	p := conversation.DetachmentPlan{
		End:   conversation.LinkEnd{By: by, Reason: conversation.ReasonUnlinked},
		Route: st.Conversation.LastChannel,
		Note:  &conversation.Note{Kind: conversation.NoteUnlinked, Channel: ch, Identity: st.Linked[0].Masked(), EndedBy: by},
	}
	if by == conversation.ActorAdmin {
		p.End.Reason, p.Note.Kind = conversation.ReasonDisabledByAdmin, conversation.NoteLinkEndedByAdmin
	}
	p.Note.Reason = p.End.Reason
	if p.Route == ch {
		p.Route = conversation.ChannelWebWidget
	}
	for _, id := range st.Linked {
		p.Owners = append(p.Owners, &conversation.EndUser{AccountID: id.AccountID, Name: id.DisplayName})
	}
	return p, nil
}

// Conversations finds the conversations an actor may see.
type Conversations interface {
	Get(ctx context.Context, actor *auth.Actor, id int64) (*conversation.Conversation, error)
}

// Unlinks ends links: an end user's Disconnect, an agent's unlink, and an
// admin setting's end (R3, R12, R26).
type Unlinks struct {
	convs  Conversations
	writer conversation.Writer
}

// NewUnlinks returns the unlink service.
func NewUnlinks(convs Conversations, writer conversation.Writer) *Unlinks {
	return &Unlinks{convs: convs, writer: writer}
}

// Unlink disconnects a channel from a conversation the actor may see: the
// end user's Disconnect, or an agent's; the link records which (R26).
func (u *Unlinks) Unlink(ctx context.Context, actor *auth.Actor, id int64, ch conversation.Channel) (*conversation.Conversation, error) {
	c, err := u.convs.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	by := conversation.ActorEndUser
	if actor.Agent != nil {
		by = conversation.ActorAgent
	}
	res, err := u.writer.Write(ctx, detachment(c.AccountID, c.ID, ch, by))
	if err != nil {
		return nil, err
	}
	return res.Conversation, nil
}

// EndLink ends a conversation's link to a channel because an admin turned
// the channel off (R3). It returns the identity that was linked, or nil
// when the link had ended meanwhile.
func (u *Unlinks) EndLink(ctx context.Context, accountID, id int64, ch conversation.Channel) (*conversation.Identity, error) {
	res, err := u.writer.Write(ctx, detachment(accountID, id, ch, conversation.ActorAdmin))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return res.Detached, nil
}
