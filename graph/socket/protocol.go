package socket

import (
	"encoding/json"

	"github.com/coder/websocket"
)

// protocol names one subprotocol's message types where the two differ.
type protocol struct {
	name string
	// subscribe starts an operation, stop ends one; data carries a result.
	subscribe, stop, data string
	// legacy is graphql-ws: keep-alives instead of pings, errors of the
	// connection told in connection_error before the close.
	legacy bool
}

var (
	transportWS = &protocol{name: "graphql-transport-ws", subscribe: "subscribe", stop: "complete", data: "next"}
	legacyWS    = &protocol{name: "graphql-ws", subscribe: "start", stop: "stop", data: "data", legacy: true}
)

func protocolNamed(name string) *protocol {
	for _, p := range []*protocol{transportWS, legacyWS} {
		if p.name == name {
			return p
		}
	}
	return nil
}

// Close codes of graphql-transport-ws, used for both protocols.
const (
	closeBadRequest         websocket.StatusCode = 4400
	closeUnauthorized       websocket.StatusCode = 4401
	closeForbidden          websocket.StatusCode = 4403
	closeSubprotocol        websocket.StatusCode = 4406
	closeTimeout            websocket.StatusCode = 4408
	closeDuplicateID        websocket.StatusCode = 4409
	closeTooManyInitialises websocket.StatusCode = 4429
)

// message is one message from a client. An id of the wrong JSON type fails
// decoding, as a missing one fails the subscribe that needs it.
type message struct {
	Type    string          `json:"type"`
	ID      *string         `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// payloadIsObject tells whether the payload is absent, null or an object:
// anything else is a malformed message.
func (m *message) payloadIsObject() bool {
	if len(m.Payload) == 0 || string(m.Payload) == "null" {
		return true
	}
	return m.Payload[0] == '{'
}
