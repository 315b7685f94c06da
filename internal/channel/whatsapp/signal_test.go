package whatsapp

import (
	"testing"

	"github.com/linkline/linkline/internal/meta"
	"github.com/linkline/linkline/internal/meta/metatest"
)

// R31: the typing indicator and the read mark are read receipts of the
// user's message on the messages endpoint, the first with a typing
// indicator; the indicator needs that message.
func TestSignals(t *testing.T) {
	g := metatest.NewGraph(t)
	a := New(g.Config())
	const wamid = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDNzc2"
	metatest.RunSignals(t, g, a, []metatest.Signal{
		{Name: "typing", Creds: creds, Typing: true, User: "5511987654321", MessageID: wamid, Status: 200, Reply: `{"success":true}`, Path: path,
			Body: `{"messaging_product":"whatsapp","status":"read","message_id":"` + wamid + `","typing_indicator":{"type":"text"}}`},
		{Name: "read", Creds: creds, User: "5511987654321", MessageID: wamid, Status: 200, Reply: `{"success":true}`, Path: path,
			Body: `{"messaging_product":"whatsapp","status":"read","message_id":"` + wamid + `"}`},
		{Name: "unknown message", Creds: creds, User: "5511987654321", MessageID: wamid, Status: 400, Path: path, Kind: meta.Permanent,
			Body:  `{"messaging_product":"whatsapp","status":"read","message_id":"` + wamid + `"}`,
			Reply: `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"AbC9"}}`},
	})
	if err := a.ShowTyping(t.Context(), creds, "5511987654321", ""); err == nil {
		t.Error("typing without the user's last message: no error")
	}
}
