package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit refuses operations nested deeper than max (R23): complexity
// alone lets a narrow but very deep query through.
type depthLimit struct{ max int }

var (
	_ graphql.HandlerExtension        = depthLimit{}
	_ graphql.OperationContextMutator = depthLimit{}
)

func (depthLimit) ExtensionName() string                          { return "DepthLimit" }
func (depthLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	if depth(rc.Operation.SelectionSet, rc.Doc.Fragments, 0, d.max) > d.max {
		return &gqlerror.Error{
			Message:    "the operation is nested too deeply",
			Extensions: map[string]any{"code": "DEPTH_LIMIT_EXCEEDED", "limit": d.max},
		}
	}
	return nil
}

// depth measures a selection set, giving up once past limit (fragment cycles
// are rejected by validation before this runs, but need not be trusted).
func depth(set ast.SelectionSet, frags ast.FragmentDefinitionList, at, limit int) int {
	if at > limit {
		return at
	}
	deepest := at
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = at + 1
			} else {
				d = depth(s.SelectionSet, frags, at+1, limit)
			}
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, at, limit)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = depth(f.SelectionSet, frags, at, limit)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
