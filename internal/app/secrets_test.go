package app

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
)

func newSecretsKey() string {
	return base64.StdEncoding.EncodeToString([]byte(rand.Text() + rand.Text())[:32])
}

// R19, R20: integration credentials sealed at rest survive a key rotation.
// The service restarts with a new SECRETS_KEY and the old one in
// SECRETS_OLD_KEYS and seals every row again in the background; a sandbox
// integration still verifies its webhooks (its app secret) and sends
// replies (its access token). A further restart without the old key still
// works: nothing was left sealed with it.
func TestSecretsKeyRotation(t *testing.T) {
	bothStores(t, func(t *testing.T, kind storeKind) {
		oldKey, newKey := newSecretsKey(), newSecretsKey()
		b := setup(t, kind, func(c *Config) { c.SecretsKey = oldKey })
		it := b.connectSandbox(t, "WHATSAPP", "sbx-rotate", "15550100007")
		const user = "5511900000007"
		b.phone(t, it, user).post("messages", map[string]any{"text": "before the rotation", "name": "Ana"})
		b.waitForJobs(t)
		c := b.latestConversation(t)
		messages := 1

		for _, keys := range [][]string{{newKey, oldKey}, {newKey}} {
			b.stop(t)
			b.cfg.SecretsKey, b.cfg.SecretsOldKeys = keys[0], keys[1:]
			b.serve(t)
			waitFor(t, "the startup sealing pass", func() bool {
				select {
				case <-b.app.resealed:
					return true
				default:
					return false
				}
			})
			ph := b.phone(t, it, user)
			ph.post("messages", map[string]any{"text": fmt.Sprint("with ", len(keys), " keys")})
			b.waitForJobs(t)
			if messages++; b.messageCount(t, b.agent, c) != messages {
				t.Fatalf("with %d keys: the phone's message did not arrive", len(keys))
			}
			reply := fmt.Sprint("reply with ", len(keys), " keys")
			if r := b.reply(t, b.agent, c, reply, fmt.Sprint("r", len(keys))); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			messages++
			waitFor(t, "the reply on the phone", func() bool {
				for _, m := range ph.screen() {
					if m.From == "business" && m.Text == reply {
						return true
					}
				}
				return false
			})
		}
	})
}
