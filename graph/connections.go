package graph

import (
	"github.com/linkline/linkline/graph/model"
	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/audit"
	"github.com/linkline/linkline/internal/conversation"
)

// messagePage turns connection arguments into a page of a history: forward
// with first/after, backward from the newest with last/before.
func messagePage(first *int, after *string, last *int, before *string) (conversation.Page, error) {
	var p conversation.Page
	var err error
	if last != nil || before != nil {
		if first != nil || after != nil {
			return p, errMixedPaging
		}
		if p.Last, err = relay.PageSize("last", last, 50); err != nil {
			return p, err
		}
		p.Before, err = relay.ParseCursor("before", before)
		return p, err
	}
	if p.First, err = relay.PageSize("first", first, 50); err != nil {
		return p, err
	}
	p.After, err = relay.ParseCursor("after", after)
	return p, err
}

// messageConnection builds a connection from one page more than asked for,
// which tells whether there is a next (or previous) page.
func messageConnection(msgs []*conversation.Message, p conversation.Page) *model.MessageConnection {
	conn := &model.MessageConnection{PageInfo: &model.PageInfo{}}
	if p.Last > 0 {
		if len(msgs) > p.Last {
			msgs = msgs[1:]
			conn.PageInfo.HasPreviousPage = true
		}
	} else if len(msgs) > p.First {
		msgs = msgs[:p.First]
		conn.PageInfo.HasNextPage = true
	}
	for _, m := range msgs {
		conn.Edges = append(conn.Edges, &model.MessageEdge{Cursor: relay.Cursor(m.Seq), Node: m})
	}
	conn.Edges = nonNil(conn.Edges)
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn
}

func conversationConnection(convs []*conversation.Conversation, first int) *model.ConversationConnection {
	conn := &model.ConversationConnection{PageInfo: &model.PageInfo{}}
	if len(convs) > first {
		convs = convs[:first]
		conn.PageInfo.HasNextPage = true
	}
	for _, c := range convs {
		conn.Edges = append(conn.Edges, &model.ConversationEdge{Cursor: relay.Cursor(c.ActivitySeq), Node: c})
	}
	conn.Edges = nonNil(conn.Edges)
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn
}

func auditConnection(entries []*audit.Entry, first int) *model.AuditEntryConnection {
	conn := &model.AuditEntryConnection{PageInfo: &model.PageInfo{}}
	if len(entries) > first {
		entries = entries[:first]
		conn.PageInfo.HasNextPage = true
	}
	for _, e := range entries {
		conn.Edges = append(conn.Edges, &model.AuditEntryEdge{Cursor: relay.Cursor(e.ID), Node: e})
	}
	conn.Edges = nonNil(conn.Edges)
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[n-1].Cursor
	}
	return conn
}

// nonNil keeps empty lists from being serialised as null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

var errMixedPaging = apperr.Invalid("first", "cannot be combined with last or before: page one way")

// peek asks for one item more than the page holds, to learn whether another
// page follows.
func peek(p conversation.Page) conversation.Page {
	if p.Last > 0 {
		p.Last++
	} else {
		p.First++
	}
	return p
}
