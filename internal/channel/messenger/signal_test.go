package messenger

import (
	"testing"

	"github.com/linkline/linkline/internal/meta/metatest"
)

// R31: typing and seen are sender actions of the Send API.
func TestSignals(t *testing.T) {
	g := metatest.NewGraph(t)
	metatest.RunSignals(t, g, New(g.Config()), []metatest.Signal{
		{Name: "typing", Creds: creds, Typing: true, User: "6543210987654321", Status: 200, Reply: `{"recipient_id":"6543210987654321"}`, Path: path,
			Body: `{"recipient":{"id":"6543210987654321"},"sender_action":"typing_on"}`},
		{Name: "seen", Creds: creds, User: "6543210987654321", MessageID: "m_1", Status: 200, Reply: `{"recipient_id":"6543210987654321"}`, Path: path,
			Body: `{"recipient":{"id":"6543210987654321"},"sender_action":"mark_seen"}`},
	})
}
