package graph

import (
	"testing"

	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/conversation"
)

// The store returns one message more than a page asks for (peek): the
// connection drops it and says another page is there, on the side paged
// towards.
func TestMessageConnectionPages(t *testing.T) {
	msgs := func(seqs ...int64) []*conversation.Message {
		out := make([]*conversation.Message, len(seqs))
		for i, s := range seqs {
			out[i] = &conversation.Message{Seq: s}
		}
		return out
	}
	for _, tc := range []struct {
		name           string
		msgs           []*conversation.Message
		page           conversation.Page
		want           []int64
		next, previous bool
	}{
		{"forward, more follow", msgs(1, 2, 3), conversation.Page{First: 2}, []int64{1, 2}, true, false},
		{"forward, last page", msgs(1, 2), conversation.Page{First: 2}, []int64{1, 2}, false, false},
		{"backward, more before", msgs(3, 4, 5), conversation.Page{Last: 2}, []int64{4, 5}, false, true},
		{"backward, first page", msgs(4, 5), conversation.Page{Last: 2}, []int64{4, 5}, false, false},
		{"empty", nil, conversation.Page{First: 2}, nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := messageConnection(tc.msgs, tc.page)
			if conn.Edges == nil {
				t.Fatal("edges are nil: they would be serialised as null")
			}
			if len(conn.Edges) != len(tc.want) {
				t.Fatalf("%d edges, want %d", len(conn.Edges), len(tc.want))
			}
			for i, e := range conn.Edges {
				if e.Node.Seq != tc.want[i] || e.Cursor != relay.Cursor(tc.want[i]) {
					t.Errorf("edge %d: seq %d cursor %q, want seq %d", i, e.Node.Seq, e.Cursor, tc.want[i])
				}
			}
			info := conn.PageInfo
			if info.HasNextPage != tc.next || info.HasPreviousPage != tc.previous {
				t.Errorf("next %v previous %v, want %v %v", info.HasNextPage, info.HasPreviousPage, tc.next, tc.previous)
			}
			if len(tc.want) == 0 {
				if info.StartCursor != nil || info.EndCursor != nil {
					t.Error("an empty page has cursors")
				}
				return
			}
			if *info.StartCursor != relay.Cursor(tc.want[0]) || *info.EndCursor != relay.Cursor(tc.want[len(tc.want)-1]) {
				t.Errorf("start %q end %q", *info.StartCursor, *info.EndCursor)
			}
		})
	}
}
