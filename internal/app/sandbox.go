package app

import (
	"context"

	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/channel"
	"github.com/linkline/linkline/internal/channel/sandbox"
	"github.com/linkline/linkline/internal/conversation"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/store"
)

// sandboxIntegrations shows the sandbox the sandbox integrations only.
type sandboxIntegrations struct{ db *store.DB }

func (si sandboxIntegrations) SandboxByKey(ctx context.Context, key string) (sandbox.Integration, error) {
	it, sec, err := si.db.IntegrationByWebhookKey(ctx, key)
	return sandboxOf(it, sec, err)
}

func (si sandboxIntegrations) SandboxByBusiness(ctx context.Context, ch conversation.Channel, businessID string) (sandbox.Integration, error) {
	it, sec, err := si.db.IntegrationByBusiness(ctx, ch, businessID)
	return sandboxOf(it, sec, err)
}

func sandboxOf(it *integration.Integration, sec integration.Secrets, err error) (sandbox.Integration, error) {
	if err != nil {
		return sandbox.Integration{}, err
	}
	if !it.Sandbox {
		return sandbox.Integration{}, apperr.NotFoundf("sandbox integration")
	}
	return sandbox.Integration{Channel: it.Channel, BusinessID: it.BusinessID, Handle: it.Handle, WebhookKey: it.WebhookKey, AppSecret: sec.AppSecret}, nil
}

// adapterSet picks an integration's adapter: the real ones reach Meta, the
// sandbox's the same code with the simulated phones behind the transport.
type adapterSet struct {
	live, sandbox map[conversation.Channel]channel.Adapter
}

func (as adapterSet) For(it *integration.Integration) channel.Adapter {
	if it.Sandbox {
		return as.sandbox[it.Channel]
	}
	return as.live[it.Channel]
}

// Downloader is the adapter that fetches the files sent to it.
func (as adapterSet) Downloader(it *integration.Integration) attachment.Downloader {
	d, _ := as.For(it).(attachment.Downloader)
	return d
}
