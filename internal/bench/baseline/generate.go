// Package baseline is the bench's point of comparison: a bare in-memory
// gqlgen server, with Linkline's transport settings and the one mutation
// and one subscription the bench drives, shaped like gqlgen's chat example.
// It keeps nothing: a message is acknowledged once it was handed to the
// subscriptions open on its conversation.
package baseline

//go:generate go tool gqlgen generate --config gqlgen.yml
