package baseline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/linkline/linkline/graph"
)

// SubscriptionsGauge is the /metrics line that counts open subscriptions.
const SubscriptionsGauge = "baseline_subscriptions_active"

// NewHandler serves GraphQL at /graphql with Linkline's transport settings
// (graph.DefaultHandlerConfig) but none of its authentication, limits or
// error presentation: POST and both websocket protocols over
// coder/websocket, the same ping and keep-alive intervals and the same
// query cache. /readyz answers 200 and /metrics counts open subscriptions.
func NewHandler(r *Resolver) http.Handler {
	cfg := graph.DefaultHandlerConfig
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.Websocket{
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			InsecureSkipVerify: true,
			CompressionMode:    websocket.CompressionDisabled,
		}},
		InitTimeout:           cfg.WSInitTimeout,
		KeepAlivePingInterval: cfg.WSPingInterval,
		PingPongInterval:      cfg.WSPingInterval,
		PayloadReadLimit:      &cfg.WSReadLimit,
	})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](cfg.QueryCacheSize))

	mux := http.NewServeMux()
	mux.Handle("/graphql", srv)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s %d\ngo_goroutines %d\n", SubscriptionsGauge, r.Active(), runtime.NumGoroutine())
	})
	return mux
}

// Serve serves the baseline on addr until ctx ends.
func Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: NewHandler(&Resolver{}), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
