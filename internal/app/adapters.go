package app

import (
	"net/http"

	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/channel/instagram"
	"github.com/linkline/linkline/internal/channel/messenger"
	"github.com/linkline/linkline/internal/channel/whatsapp"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/delivery"
	"github.com/linkline/linkline/internal/template"
	"github.com/linkline/linkline/internal/webhook"
)

// The Messenger Platform adapters name the senders of webhook messages.
var (
	_ webhook.ProfileReader = (*messenger.Adapter)(nil)
	_ webhook.ProfileReader = (*instagram.Adapter)(nil)
)

// The WhatsApp adapter sends lists (R32) and lists and sends templates
// (R33).
var (
	_ delivery.ListSender     = (*whatsapp.Adapter)(nil)
	_ delivery.TemplateSender = (*whatsapp.Adapter)(nil)
	_ template.Lister         = (*whatsapp.Adapter)(nil)
)

// Every adapter fetches the files end users send (R30).
var (
	_ attachment.Downloader = (*whatsapp.Adapter)(nil)
	_ attachment.Downloader = (*messenger.Adapter)(nil)
	_ attachment.Downloader = (*instagram.Adapter)(nil)
)

// adapters returns one adapter per social channel for live integrations,
// reaching Meta where the configuration says, and one per channel for
// sandbox integrations, reaching the simulated phones through sandboxed.
// Both transports are wrapped by observed, the one place Graph API calls
// are measured and traced.
func (c Config) adapters(sandboxed http.RoundTripper, observed func(http.RoundTripper) http.RoundTripper) adapterSet {
	// Below the job timeout (Config.validate): a hung call ends as a
	// retryable failure, not a rescued job.
	client := &http.Client{Timeout: c.GraphTimeout, Transport: observed(http.DefaultTransport)}
	phones := &http.Client{Timeout: c.GraphTimeout, Transport: observed(sandboxed)}
	set := func(graph, ig channel.Config) map[conversation.Channel]channel.Adapter {
		return map[conversation.Channel]channel.Adapter{
			conversation.ChannelWhatsApp:  whatsapp.New(graph),
			conversation.ChannelMessenger: messenger.New(graph),
			conversation.ChannelInstagram: instagram.New(ig),
		}
	}
	return adapterSet{
		live: set(channel.Config{BaseURL: c.GraphURL, Version: c.GraphVersion, Client: client},
			channel.Config{BaseURL: c.InstagramURL, Version: c.GraphVersion, Client: client}),
		sandbox: set(channel.Config{BaseURL: sandboxURL, Version: c.GraphVersion, Client: phones},
			channel.Config{BaseURL: sandboxURL, Version: c.GraphVersion, Client: phones}),
	}
}

// sandboxURL is never dialled: the sandbox's transport answers in process.
const sandboxURL = "http://sandbox.invalid"
