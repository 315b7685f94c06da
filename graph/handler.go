package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"github.com/linkline/linkline/graph/model"
	"github.com/linkline/linkline/graph/socket"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/metrics"
	"github.com/linkline/linkline/internal/tracing"
)

// HandlerConfig holds the transport's limits; DefaultHandlerConfig documents the defaults.
type HandlerConfig struct {
	// Introspection allows schema introspection queries.
	Introspection bool
	// ComplexityLimit bounds an operation's cost: one per field, times the
	// page size under connections.
	ComplexityLimit int
	// DepthLimit bounds selection nesting.
	DepthLimit int
	// ParserTokenLimit bounds the tokens of one query document.
	ParserTokenLimit int
	// MaxBodyBytes bounds an HTTP request body.
	MaxBodyBytes int64
	// WSReadLimit bounds one websocket frame from a client.
	WSReadLimit int64
	// WSInitTimeout is how long a socket may wait before connection_init.
	WSInitTimeout time.Duration
	// WSPingInterval paces pings (graphql-transport-ws) and keep-alives
	// (graphql-ws); a socket that misses two pongs is closed.
	WSPingInterval time.Duration
	// WSWriteTimeout bounds one write to a socket: a client that stops
	// reading is cut off instead of holding a goroutine forever.
	WSWriteTimeout time.Duration
	// WSSendBuffer, when set, is the kernel send buffer of each socket;
	// smaller bounds memory per idle socket at the cost of burst size.
	WSSendBuffer int
	// MaxSocketsPerAddr bounds open websockets per client address.
	MaxSocketsPerAddr int
	// MaxSubscriptionsPerSocket bounds subscriptions on one socket.
	MaxSubscriptionsPerSocket int
	// DashboardOrigins are the browser origins agents may use; empty
	// allows any (agent tokens are bearer tokens, not cookies).
	DashboardOrigins []string
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// when finding the client address.
	TrustedProxies []string
	// QueryCacheSize is how many parsed queries (and persisted queries)
	// are cached.
	QueryCacheSize int
}

// DefaultHandlerConfig are safe defaults for the public internet.
var DefaultHandlerConfig = HandlerConfig{
	Introspection:             true,
	ComplexityLimit:           2000,
	DepthLimit:                10,
	ParserTokenLimit:          5000,
	MaxBodyBytes:              64 << 10,
	WSReadLimit:               64 << 10,
	WSInitTimeout:             10 * time.Second,
	WSPingInterval:            25 * time.Second,
	WSWriteTimeout:            10 * time.Second,
	MaxSocketsPerAddr:         20,
	MaxSubscriptionsPerSocket: 20,
	QueryCacheSize:            1000,
}

// Handler serves GraphQL over HTTP (POST, and GET for queries) and
// websockets (graphql-transport-ws and the legacy graphql-ws).
type Handler struct {
	cfg     HandlerConfig
	log     *slog.Logger
	metrics *metrics.Metrics
	authn   *auth.Authenticator
	gql     *handler.Server
	ws      *socket.Transport
	sockets *socketRegistry
	proxies proxyList
}

// NewHandler returns the GraphQL handler; queries and mutations run in
// spans of tp.
func NewHandler(cfg HandlerConfig, res *Resolver, authn *auth.Authenticator, log *slog.Logger, m *metrics.Metrics, tp trace.TracerProvider) (*Handler, error) {
	proxies, err := parseProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: log, metrics: m, authn: authn, proxies: proxies, sockets: newSocketRegistry(cfg.MaxSocketsPerAddr, m)}

	res.maxSubscriptions = cfg.MaxSubscriptionsPerSocket
	ec := ExecutableSchemaConfig(res)
	srv := handler.New(NewExecutableSchema(ec))
	h.ws = socket.New(socket.Config{
		InitTimeout:  cfg.WSInitTimeout,
		PingInterval: cfg.WSPingInterval,
		ReadLimit:    cfg.WSReadLimit,
		WriteTimeout: cfg.WSWriteTimeout,
		SendBuffer:   cfg.WSSendBuffer,
	}, h.initSocket, log)
	srv.AddTransport(h.ws)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](cfg.QueryCacheSize))
	srv.SetParserTokenLimit(cfg.ParserTokenLimit)
	srv.SetErrorPresenter(h.presentError)
	srv.SetRecoverFunc(h.recoverPanic)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		// Suggestions ("Did you mean …?") would name the fields that
		// introspection is off to hide (R35).
		srv.SetDisableSuggestion(true)
		srv.SetValidationRulesFn(rulesWithoutSuggestions)
		srv.Use(introspectionOff{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](cfg.QueryCacheSize)})
	srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	srv.Use(depthLimit{max: cfg.DepthLimit})
	srv.AroundOperations(h.aroundOperation)
	srv.Use(operationSpans{tracer: tp.Tracer(tracing.Name)})
	h.gql = srv
	return h, nil
}

// ExecutableSchemaConfig binds the resolvers, the @auth and @audited
// directives and the complexity of connections.
func ExecutableSchemaConfig(res *Resolver) Config {
	ec := Config{Resolvers: res}
	ec.Directives.Auth = func(ctx context.Context, _ any, next graphql.Resolver, requires []auth.Role) (any, error) {
		if err := auth.Require(auth.FromContext(ctx), requires...); err != nil {
			return nil, err
		}
		return next(ctx)
	}
	ec.Directives.Audited = func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
		out, err := next(ctx)
		if err == nil {
			fc := graphql.GetFieldContext(ctx)
			res.Audit.Record(ctx, auth.FromContext(ctx), fc.Field.Name, fc.Args["input"])
		}
		return out, err
	}
	ec.Complexity.Conversation.Messages = func(child int, first *int, _ *string, last *int, _ *string) int {
		return child * pageCost(first, last, 50)
	}
	ec.Complexity.Query.Conversations = func(child int, first *int, _ *string, _ *model.ConversationFilter) int {
		return child * pageCost(first, nil, 20)
	}
	return ec
}

func pageCost(first, last *int, def int) int {
	switch {
	case first != nil && *first > 0:
		return min(*first, 100)
	case last != nil && *last > 0:
		return min(*last, 100)
	}
	return def
}
