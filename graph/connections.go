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

// paged turns one page of items, fetched with one item more than asked for
// (see peek), into edges and page info: the extra item tells whether there
// is a next (or, paging backward, a previous) page.
func paged[T, E any](items []T, p conversation.Page, cursor func(T) int64, edge func(cursor string, item T) *E) ([]*E, *model.PageInfo) {
	info := &model.PageInfo{}
	if p.Last > 0 {
		if len(items) > p.Last {
			items = items[1:]
			info.HasPreviousPage = true
		}
	} else if len(items) > p.First {
		items = items[:p.First]
		info.HasNextPage = true
	}
	edges := make([]*E, len(items))
	for i, item := range items {
		edges[i] = edge(relay.Cursor(cursor(item)), item)
	}
	if n := len(items); n > 0 {
		start, end := relay.Cursor(cursor(items[0])), relay.Cursor(cursor(items[n-1]))
		info.StartCursor, info.EndCursor = &start, &end
	}
	return edges, info
}

func messageConnection(msgs []*conversation.Message, p conversation.Page) *model.MessageConnection {
	edges, info := paged(msgs, p, func(m *conversation.Message) int64 { return m.Seq },
		func(cursor string, m *conversation.Message) *model.MessageEdge {
			return &model.MessageEdge{Cursor: cursor, Node: m}
		})
	return &model.MessageConnection{Edges: edges, PageInfo: info}
}

func conversationConnection(convs []*conversation.Conversation, first int) *model.ConversationConnection {
	edges, info := paged(convs, conversation.Page{First: first}, func(c *conversation.Conversation) int64 { return c.ActivitySeq },
		func(cursor string, c *conversation.Conversation) *model.ConversationEdge {
			return &model.ConversationEdge{Cursor: cursor, Node: c}
		})
	return &model.ConversationConnection{Edges: edges, PageInfo: info}
}

func auditConnection(entries []*audit.Entry, first int) *model.AuditEntryConnection {
	edges, info := paged(entries, conversation.Page{First: first}, func(e *audit.Entry) int64 { return e.ID },
		func(cursor string, e *audit.Entry) *model.AuditEntryEdge {
			return &model.AuditEntryEdge{Cursor: cursor, Node: e}
		})
	return &model.AuditEntryConnection{Edges: edges, PageInfo: info}
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
