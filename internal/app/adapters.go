package app

import (
	"net/http"
	"time"

	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/channel/instagram"
	"github.com/linkline/linkline/internal/channel/messenger"
	"github.com/linkline/linkline/internal/channel/whatsapp"
	"github.com/linkline/linkline/internal/conversation"
)

// graphTimeout bounds one call to Meta: below the delivery job's timeout,
// so a hung call ends as a retryable failure, not a rescued job.
const graphTimeout = 20 * time.Second

// adapters returns one adapter per social channel, reaching Meta where the
// configuration says.
func (c Config) adapters() map[conversation.Channel]channel.Adapter {
	client := &http.Client{Timeout: graphTimeout}
	graph := channel.Config{BaseURL: c.GraphURL, Version: c.GraphVersion, Client: client}
	ig := channel.Config{BaseURL: c.InstagramURL, Version: c.GraphVersion, Client: client}
	return map[conversation.Channel]channel.Adapter{
		conversation.ChannelWhatsApp:  whatsapp.New(graph),
		conversation.ChannelMessenger: messenger.New(graph),
		conversation.ChannelInstagram: instagram.New(ig),
	}
}
