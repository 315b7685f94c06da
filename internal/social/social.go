// Package social names the channels a conversation happens on: the Web
// Widget and the social channels it can move to (WhatsApp, Messenger,
// Instagram). It imports nothing of the service, so that conversations,
// integrations and widgets share one name for a channel without importing
// one another.
package social

// Channel is where a message was sent or received.
type Channel string

const (
	WebWidget Channel = "WEB_WIDGET"
	WhatsApp  Channel = "WHATSAPP"
	Messenger Channel = "MESSENGER"
	Instagram Channel = "INSTAGRAM"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case WebWidget, WhatsApp, Messenger, Instagram:
		return true
	}
	return false
}

// Socials lists the social channels a conversation can move to.
func Socials() []Channel { return []Channel{WhatsApp, Messenger, Instagram} }
