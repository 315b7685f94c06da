// Package graph is the GraphQL transport: generated code, thin resolvers,
// the error presenter, websocket authentication and the request limits.
package graph

//go:generate go tool gqlgen generate
