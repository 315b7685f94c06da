package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
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

// introspectionOff answers __schema and __type with a coded client error
// when introspection is off. Without it gqlgen's executor fails the field
// with an uncoded error, which the presenter must treat as our fault:
// INTERNAL, logged at ERROR for every curious client.
type introspectionOff struct{}

var (
	_ graphql.HandlerExtension        = introspectionOff{}
	_ graphql.OperationContextMutator = introspectionOff{}
)

func (introspectionOff) ExtensionName() string                          { return "IntrospectionOff" }
func (introspectionOff) Validate(schema graphql.ExecutableSchema) error { return nil }

func (introspectionOff) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil || !introspects(rc.Operation.SelectionSet, rc.Doc.Fragments, 0) {
		return nil
	}
	return &gqlerror.Error{
		Message:    "introspection is disabled",
		Extensions: map[string]any{"code": "INTROSPECTION_DISABLED"},
	}
}

// introspects reports whether a root selection set asks for __schema or
// __type, which only the root query type has; fragments spread at the root
// count too. hops bounds the spreads followed (validation rejects cycles
// before this runs, but need not be trusted).
func introspects(set ast.SelectionSet, frags ast.FragmentDefinitionList, hops int) bool {
	if hops > len(frags) {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, frags, hops) {
				return true
			}
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && introspects(f.SelectionSet, frags, hops+1) {
				return true
			}
		}
	}
	return false
}

// rulesWithoutSuggestions are the default validation rules with every rule
// that suggests names swapped for its silent twin. gqlgen's
// SetDisableSuggestion swaps only two of the five: unknown arguments, type
// names and enum values would still be answered with the right ones.
func rulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for _, silent := range []core.Rule{
		rules.FieldsOnCorrectTypeRuleWithoutSuggestions,
		rules.KnownArgumentNamesRuleWithoutSuggestions,
		rules.KnownTypeNamesRuleWithoutSuggestions,
		rules.ScalarLeafsRuleWithoutSuggestions,
		rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
	} {
		r.RemoveRule(strings.TrimSuffix(silent.Name, "WithoutSuggestions"))
		r.AddRule(silent.Name, silent.RuleFunc)
	}
	return r
}
