package app

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/linkline/linkline/graph"
	"github.com/linkline/linkline/internal/attachment"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/delivery"
	"github.com/linkline/linkline/internal/integration"
	"github.com/linkline/linkline/internal/secret"
	"github.com/linkline/linkline/internal/store"
)

// Config is the whole service's configuration. Every field has a flag and
// an environment variable (the flag wins); README lists them all.
type Config struct {
	Addr string
	// DebugAddr serves the Go profiler (/debug/pprof/) when set: an
	// operator's tool, to be kept off the public network.
	DebugAddr  string
	PublicURL  string
	DBURL      string
	SQLitePath string
	DBMaxConns int
	// SecretsKey seals integration credentials at rest (base64, 32
	// bytes); SecretsOldKeys still open what earlier keys sealed until the
	// pass at startup seals it again. SecretsUnencrypted keeps them in
	// clear: PostgreSQL refuses to start with neither (see secretKeys).
	SecretsKey         string
	SecretsOldKeys     []string
	SecretsUnencrypted bool

	LogFormat string
	LogLevel  string

	Demo     bool
	GraphiQL bool
	// Sandbox serves the simulated phones of sandbox integrations.
	Sandbox bool

	HTTP   graph.HandlerConfig
	Limits auth.LimitsConfig

	// FilesURL is where attachments are kept, as a gocloud.dev bucket URL
	// (file:///…, s3://…); empty keeps them in a folder "files" beside
	// the SQLite database. Attachments bounds uploads and how long
	// download URLs work (R30).
	FilesURL    string
	Attachments attachment.Config

	// GraphURL and InstagramURL are Meta's API roots; GraphVersion the
	// API version. Configuration, so tests point the adapters elsewhere.
	GraphURL     string
	InstagramURL string
	GraphVersion string
	// RetryBase is the first wait before a failed job runs again.
	RetryBase time.Duration
	// GraphTimeout bounds one call to Meta; JobTimeout one run of a
	// durable job; JobRescueAfter is when a job still marked running is
	// taken for one whose process died, and run again. Each must be below
	// the next (validate): a hung call then ends as a retryable failure
	// of its job, and a job is never run twice at once; the last bounds
	// how long replies in flight wait after a crash (R34).
	GraphTimeout   time.Duration
	JobTimeout     time.Duration
	JobRescueAfter time.Duration
	// PairLimit paces replies to one recipient under the platforms' pair
	// rate limits (delivery.DefaultPairLimit).
	PairLimit delivery.PairLimit
	// SecretOverlap is how long an integration's replaced app secret still
	// verifies webhooks after an admin sets a new one (R19).
	SecretOverlap time.Duration

	MaxTextRunes       int
	SessionTTL         time.Duration
	EventRetention     time.Duration
	SubscriptionBuffer int
	// ConversationSubscriptionBuffer is SubscriptionBuffer for a
	// subscription to one conversation (every widget's).
	ConversationSubscriptionBuffer int
	WriteBatch                     int
	ShutdownTimeout                time.Duration

	// OTLPEndpoint, from the standard OTEL_EXPORTER_OTLP_ENDPOINT, turns
	// tracing on: spans go there over OTLP/HTTP, configured further by the
	// other OTEL_EXPORTER_OTLP_* variables, which the exporter reads itself.
	OTLPEndpoint string

	// linkClock, when set, is the clock of link requests: tests move it
	// past an expiry instead of waiting for one.
	linkClock func() time.Time
	// unreadMinute, when set, is how long one minute of a widget's unread
	// fallback delay lasts: tests shorten it.
	unreadMinute time.Duration
	// tracer, when set, takes the spans instead of OTLPEndpoint's exporter:
	// tests record them.
	tracer trace.TracerProvider
}

// ParseConfig reads flags from args (without the program name) over
// environment variables read with getenv, over the defaults.
func ParseConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	return parseConfig("linkline", args, getenv, out, nil)
}

// parseConfig is ParseConfig for the command name, whose own flags, bound by
// more, join the server's.
func parseConfig(name string, args []string, getenv func(string) string, out io.Writer, more func(*flag.FlagSet)) (Config, error) {
	c := Config{HTTP: graph.DefaultHandlerConfig, Limits: auth.DefaultLimits, Attachments: attachment.DefaultConfig}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	if more != nil {
		more(fs)
	}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var errs []error
	str := func(p *string, flagName, envName, def, usage string) {
		fs.StringVar(p, flagName, env(envName, def), usage+" ($"+envName+")")
	}
	num := func(p *int, flagName, envName string, def int, usage string) {
		v, err := strconv.Atoi(env(envName, strconv.Itoa(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", envName, err))
		}
		fs.IntVar(p, flagName, v, usage+" ($"+envName+")")
	}
	num64 := func(p *int64, flagName, envName string, def int64, usage string) {
		v, err := strconv.ParseInt(env(envName, strconv.FormatInt(def, 10)), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", envName, err))
		}
		fs.Int64Var(p, flagName, v, usage+" ($"+envName+")")
	}
	boolean := func(p *bool, flagName, envName string, def bool, usage string) {
		v, err := strconv.ParseBool(env(envName, strconv.FormatBool(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", envName, err))
		}
		fs.BoolVar(p, flagName, v, usage+" ($"+envName+")")
	}
	dur := func(p *time.Duration, flagName, envName string, def time.Duration, usage string) {
		v, err := time.ParseDuration(env(envName, def.String()))
		if err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", envName, err))
		}
		fs.DurationVar(p, flagName, v, usage+" ($"+envName+")")
	}
	list := func(p *[]string, flagName, envName, usage string) {
		fs.Func(flagName, usage+", comma-separated ($"+envName+")", func(s string) error {
			*p = splitList(s)
			return nil
		})
		*p = splitList(getenv(envName))
	}
	rate := func(p *auth.Rate, flagName, envName string, def auth.Rate, usage string) {
		*p = def
		if v := getenv(envName); v != "" {
			r, err := parseRate(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("$%s: %w", envName, err))
			}
			*p = r
		}
		fs.Func(flagName, usage+` as "events/period:burst", e.g. "5/1s:20"; "0" turns it off ($`+envName+`)`, func(s string) error {
			r, err := parseRate(s)
			*p = r
			return err
		})
	}

	str(&c.Addr, "addr", "ADDR", ":8080", "listen address")
	str(&c.DebugAddr, "debug-addr", "DEBUG_ADDR", "", "address serving the Go profiler at /debug/pprof/ (empty: off; keep it private)")
	str(&c.PublicURL, "public-url", "PUBLIC_URL", "", "URL the service is reached at, for printed links (default http://localhost<addr>)")
	str(&c.DBURL, "database-url", "DATABASE_URL", "", "PostgreSQL URL; empty uses the embedded SQLite file")
	str(&c.SQLitePath, "sqlite-path", "SQLITE_PATH", "data/linkline.db", "embedded SQLite file")
	num(&c.DBMaxConns, "db-max-conns", "DB_MAX_CONNS", 20, "PostgreSQL connection pool size")
	str(&c.SecretsKey, "secrets-key", "SECRETS_KEY", "", "key sealing integration credentials at rest, 32 bytes in base64 (empty on SQLite: a key file beside the database)")
	list(&c.SecretsOldKeys, "secrets-old-keys", "SECRETS_OLD_KEYS", "earlier SECRETS_KEY values, still opening what they sealed until it is sealed again at startup")
	boolean(&c.SecretsUnencrypted, "secrets-unencrypted", "SECRETS_UNENCRYPTED", false, "keep integration credentials in clear when no SECRETS_KEY is set")
	str(&c.LogFormat, "log-format", "LOG_FORMAT", "text", "log format: text or json")
	str(&c.LogLevel, "log-level", "LOG_LEVEL", "info", "log level: debug, info, warn, error")
	boolean(&c.Demo, "demo", "DEMO", true, "on an empty database, create a demo account and print its tokens")
	boolean(&c.GraphiQL, "graphiql", "GRAPHIQL", true, "serve GraphiQL at /")
	boolean(&c.Sandbox, "sandbox", "SANDBOX", true, "serve the simulated phones of sandbox integrations at /sandbox/")
	boolean(&c.HTTP.Introspection, "introspection", "INTROSPECTION", c.HTTP.Introspection, "allow schema introspection")
	num(&c.HTTP.ComplexityLimit, "complexity-limit", "COMPLEXITY_LIMIT", c.HTTP.ComplexityLimit, "most complex operation allowed")
	num(&c.HTTP.DepthLimit, "depth-limit", "DEPTH_LIMIT", c.HTTP.DepthLimit, "deepest selection nesting allowed")
	num(&c.HTTP.ParserTokenLimit, "parser-token-limit", "PARSER_TOKEN_LIMIT", c.HTTP.ParserTokenLimit, "most tokens in one query document")
	num64(&c.HTTP.MaxBodyBytes, "max-body-bytes", "MAX_BODY_BYTES", c.HTTP.MaxBodyBytes, "largest HTTP request body")
	num64(&c.HTTP.WSReadLimit, "ws-read-limit", "WS_READ_LIMIT", c.HTTP.WSReadLimit, "largest websocket frame from a client")
	dur(&c.HTTP.WSInitTimeout, "ws-init-timeout", "WS_INIT_TIMEOUT", c.HTTP.WSInitTimeout, "time allowed before connection_init")
	dur(&c.HTTP.WSPingInterval, "ws-ping-interval", "WS_PING_INTERVAL", c.HTTP.WSPingInterval, "websocket ping / keep-alive interval")
	dur(&c.HTTP.WSWriteTimeout, "ws-write-timeout", "WS_WRITE_TIMEOUT", c.HTTP.WSWriteTimeout, "longest a write to a socket may block")
	num(&c.HTTP.WSSendBuffer, "ws-send-buffer", "WS_SEND_BUFFER", 0, "kernel send buffer per socket in bytes (0: system default)")
	num(&c.HTTP.MaxSocketsPerAddr, "max-sockets-per-addr", "MAX_SOCKETS_PER_ADDR", c.HTTP.MaxSocketsPerAddr, "open websockets allowed per client address")
	num(&c.HTTP.MaxSubscriptionsPerSocket, "max-subscriptions-per-socket", "MAX_SUBSCRIPTIONS_PER_SOCKET", c.HTTP.MaxSubscriptionsPerSocket, "subscriptions allowed on one websocket")
	list(&c.HTTP.DashboardOrigins, "dashboard-origins", "DASHBOARD_ORIGINS", "browser origins allowed to use agent tokens (empty: any)")
	list(&c.HTTP.TrustedProxies, "trusted-proxies", "TRUSTED_PROXIES", "proxy addresses or CIDRs whose X-Forwarded-For is believed")
	rate(&c.Limits.StartPerAddr, "rate-start-per-addr", "RATE_START_PER_ADDR", c.Limits.StartPerAddr, "conversation starts per client address")
	rate(&c.Limits.StartPerSess, "rate-start-per-session", "RATE_START_PER_SESSION", c.Limits.StartPerSess, "conversation starts per widget session")
	rate(&c.Limits.SendPerSession, "rate-send-per-session", "RATE_SEND_PER_SESSION", c.Limits.SendPerSession, "messages sent per widget session")
	rate(&c.Limits.SendPerAddr, "rate-send-per-addr", "RATE_SEND_PER_ADDR", c.Limits.SendPerAddr, "messages sent per client address")
	rate(&c.Limits.LinkPerSession, "rate-link-per-session", "RATE_LINK_PER_SESSION", c.Limits.LinkPerSession, "link requests per widget session")
	rate(&c.Limits.LinkPerAddr, "rate-link-per-addr", "RATE_LINK_PER_ADDR", c.Limits.LinkPerAddr, "link requests per client address")
	rate(&c.Limits.TypingPerSession, "rate-typing-per-session", "RATE_TYPING_PER_SESSION", c.Limits.TypingPerSession, "typing signals per widget session")
	rate(&c.Limits.TypingPerAddr, "rate-typing-per-addr", "RATE_TYPING_PER_ADDR", c.Limits.TypingPerAddr, "typing signals per client address")
	rate(&c.Limits.WidgetPerAddr, "rate-widget-per-addr", "RATE_WIDGET_PER_ADDR", c.Limits.WidgetPerAddr, "widget subscriptions by key per client address")
	rate(&c.Limits.UploadPerSession, "rate-upload-per-session", "RATE_UPLOAD_PER_SESSION", c.Limits.UploadPerSession, "files uploaded per widget session")
	rate(&c.Limits.UploadPerAddr, "rate-upload-per-addr", "RATE_UPLOAD_PER_ADDR", c.Limits.UploadPerAddr, "files uploaded by end users per client address")
	str(&c.FilesURL, "files-url", "FILES_URL", "", "where attachments are kept: file:///dir, or s3://bucket?region=…[&endpoint=…&use_path_style=true] for S3-compatible storage (empty: a folder beside the SQLite database)")
	num64(&c.Attachments.MaxBytes, "max-upload-bytes", "MAX_UPLOAD_BYTES", c.Attachments.MaxBytes, "largest file uploaded or received")
	dur(&c.Attachments.URLTTL, "file-url-ttl", "FILE_URL_TTL", c.Attachments.URLTTL, "how long a signed download URL works")
	str(&c.GraphURL, "graph-url", "GRAPH_URL", "https://graph.facebook.com", "Meta Graph API root (WhatsApp, Messenger)")
	str(&c.InstagramURL, "instagram-url", "INSTAGRAM_URL", "https://graph.instagram.com", "Instagram API root")
	str(&c.GraphVersion, "graph-version", "GRAPH_VERSION", "v21.0", "Graph API version")
	dur(&c.RetryBase, "retry-base", "RETRY_BASE", delivery.DefaultRetryPolicy.Base, "first wait before a failed delivery is retried; it doubles each time, up to an hour")
	dur(&c.GraphTimeout, "graph-timeout", "GRAPH_TIMEOUT", 20*time.Second, "longest call to the Graph API; below JOB_TIMEOUT")
	dur(&c.JobTimeout, "job-timeout", "JOB_TIMEOUT", time.Minute, "longest run of a durable job (a delivery, a webhook's processing); below JOB_RESCUE_AFTER")
	num(&c.PairLimit.Sends, "pair-limit-sends", "PAIR_LIMIT_SENDS", delivery.DefaultPairLimit.Sends, "most replies sent to one recipient in PAIR_LIMIT_PER; 0 turns the limit off")
	dur(&c.PairLimit.Per, "pair-limit-per", "PAIR_LIMIT_PER", delivery.DefaultPairLimit.Per, "the window of PAIR_LIMIT_SENDS")
	dur(&c.SecretOverlap, "app-secret-overlap", "APP_SECRET_OVERLAP", integration.DefaultSecretOverlap, "how long a replaced app secret still verifies webhooks")
	dur(&c.JobRescueAfter, "job-rescue-after", "JOB_RESCUE_AFTER", 2*time.Minute, "how long a job may show as running before it is taken for one whose process died and is run again")
	num(&c.MaxTextRunes, "max-text", "MAX_TEXT", 4096, "longest message, in characters")
	dur(&c.SessionTTL, "session-ttl", "SESSION_TTL", 30*24*time.Hour, "lifetime of a widget session token")
	dur(&c.EventRetention, "event-retention", "EVENT_RETENTION", 7*24*time.Hour, "how long events stay replayable by cursor and processed webhook bodies are kept")
	num(&c.SubscriptionBuffer, "subscription-buffer", "SUBSCRIPTION_BUFFER", 256, "events queued per subscriber of a whole account before it counts as slow")
	num(&c.ConversationSubscriptionBuffer, "conversation-subscription-buffer", "CONVERSATION_SUBSCRIPTION_BUFFER", 64, "events queued per subscriber of one conversation (every widget) before it counts as slow")
	num(&c.WriteBatch, "write-batch", "WRITE_BATCH", 256, "most writes grouped into one transaction")
	dur(&c.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", 30*time.Second, "longest graceful shutdown")
	// OpenTelemetry's own variable, with no flag: the exporter reads its
	// siblings (headers, protocol, timeout) from the environment too.
	c.OTLPEndpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if c.PublicURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.PublicURL = "http://" + host
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(c.DBURL == "" || strings.HasPrefix(c.DBURL, "postgres://") || strings.HasPrefix(c.DBURL, "postgresql://"), "DATABASE_URL must be a postgres:// URL")
	check(c.LogFormat == "text" || c.LogFormat == "json", "LOG_FORMAT must be text or json")
	var level slog.Level
	check(level.UnmarshalText([]byte(c.LogLevel)) == nil, "LOG_LEVEL must be debug, info, warn or error")
	check(c.MaxTextRunes > 0, "MAX_TEXT must be positive")
	check(c.HTTP.MaxBodyBytes >= 1024, "MAX_BODY_BYTES must be at least 1024")
	check(c.HTTP.WSReadLimit >= 1024, "WS_READ_LIMIT must be at least 1024")
	check(c.HTTP.WSInitTimeout > 0, "WS_INIT_TIMEOUT must be positive")
	check(c.HTTP.ComplexityLimit > 0 && c.HTTP.DepthLimit > 0 && c.HTTP.ParserTokenLimit > 0, "query limits must be positive")
	check(c.HTTP.MaxSocketsPerAddr > 0 && c.HTTP.MaxSubscriptionsPerSocket > 0, "socket limits must be positive")
	check(c.SubscriptionBuffer > 0 && c.ConversationSubscriptionBuffer > 0 && c.WriteBatch > 0,
		"SUBSCRIPTION_BUFFER, CONVERSATION_SUBSCRIPTION_BUFFER and WRITE_BATCH must be positive")
	check(c.Attachments.MaxBytes > 0, "MAX_UPLOAD_BYTES must be positive")
	check(time.Minute <= c.Attachments.URLTTL && c.Attachments.URLTTL <= 24*time.Hour, "FILE_URL_TTL must be between 1m and 24h: long enough to load a page, short enough that a leaked URL soon stops working")
	check(c.EventRetention >= time.Hour, "EVENT_RETENTION must be at least 1h")
	check(0 < c.GraphTimeout && c.GraphTimeout < c.JobTimeout && c.JobTimeout < c.JobRescueAfter,
		fmt.Sprintf("timeouts must keep 0 < GRAPH_TIMEOUT (%s) < JOB_TIMEOUT (%s) < JOB_RESCUE_AFTER (%s): a hung call must fail its job, and a job must end before it is run again", c.GraphTimeout, c.JobTimeout, c.JobRescueAfter))
	check(c.PairLimit.Sends >= 0 && (c.PairLimit.Sends == 0 || c.PairLimit.Per > 0), "PAIR_LIMIT_SENDS must not be negative, and PAIR_LIMIT_PER must be positive when it is set")
	check(0 <= c.SecretOverlap && c.SecretOverlap <= integration.MaxSecretOverlap,
		fmt.Sprintf("APP_SECRET_OVERLAP must be between 0 and %s", integration.MaxSecretOverlap))
	if c.SecretsKey != "" {
		_, err := secret.ParseKey(c.SecretsKey)
		check(err == nil, fmt.Sprintf("SECRETS_KEY: %v", err))
	}
	for _, k := range c.SecretsOldKeys {
		_, err := secret.ParseKey(k)
		check(err == nil, fmt.Sprintf("SECRETS_OLD_KEYS: %v", err))
	}
	check(c.SecretsKey != "" || len(c.SecretsOldKeys) == 0, "SECRETS_OLD_KEYS needs a SECRETS_KEY to seal with")
	check(c.SecretsKey == "" || !c.SecretsUnencrypted, "SECRETS_UNENCRYPTED and SECRETS_KEY contradict each other")
	return errors.Join(errs...)
}

// secretKeys returns the keys sealing integration credentials, or nil to
// keep them in clear. Without SECRETS_KEY, the embedded default keeps a
// key of its own in a file beside the database: it protects a copied
// database file but not a copied directory, so it says so. PostgreSQL
// refuses to start instead: its data and backups live apart from the
// service, and credentials in clear there must be a decision
// (SECRETS_UNENCRYPTED), never a forgotten setting.
func (c Config) secretKeys(log *slog.Logger) (store.Sealer, error) {
	if c.SecretsUnencrypted {
		log.Warn("integration credentials are stored in clear (SECRETS_UNENCRYPTED)")
		return nil, nil
	}
	var current []byte
	var old [][]byte
	switch {
	case c.SecretsKey != "":
		var err error
		if current, err = secret.ParseKey(c.SecretsKey); err != nil {
			return nil, fmt.Errorf("SECRETS_KEY: %w", err)
		}
		for _, s := range c.SecretsOldKeys {
			k, err := secret.ParseKey(s)
			if err != nil {
				return nil, fmt.Errorf("SECRETS_OLD_KEYS: %w", err)
			}
			old = append(old, k)
		}
	case c.DBURL != "":
		return nil, errors.New("SECRETS_KEY is required with DATABASE_URL (e.g. openssl rand -base64 32); SECRETS_UNENCRYPTED=true stores integration credentials in clear instead")
	default:
		path := c.SQLitePath + ".key"
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, err
		}
		key, created, err := secret.KeyFile(path)
		if err != nil {
			return nil, err
		}
		log.Warn("integration credentials are sealed with a key kept beside the database; set SECRETS_KEY to keep it elsewhere", "file", path, "created", created)
		current = key
	}
	keys, err := secret.NewKeyring(current, old...)
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// filesURL is where attachments are kept: FILES_URL, or a folder beside
// the SQLite database. Instances sharing a PostgreSQL database need
// storage they share too.
func (c Config) filesURL(log *slog.Logger) string {
	if c.FilesURL != "" {
		return c.FilesURL
	}
	dir := filepath.Join(filepath.Dir(c.SQLitePath), "files")
	if c.DBURL != "" {
		log.Warn("attachments are kept on this machine's disk; instances sharing the database need FILES_URL (e.g. s3://…) to serve each other's files", "dir", dir)
	}
	return attachment.LocalURL(dir)
}

// fileURLKey signs download URLs. It is derived from SECRETS_KEY (or the
// key file beside the SQLite database), which every instance shares; with
// credentials kept in clear there is no shared key, so each run makes its
// own, and URLs work only on the instance that signed them until it stops.
func fileURLKey(keys store.Sealer, log *slog.Logger) ([]byte, error) {
	if k, ok := keys.(*secret.Keyring); ok {
		return k.Derive("attachment urls"), nil
	}
	log.Warn("download URLs are signed with a key of this process only: set SECRETS_KEY to share one between instances")
	key := make([]byte, secret.KeySize)
	_, err := rand.Read(key)
	return key, err
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseRate reads "events/period[:burst]"; "0" is no limit.
func parseRate(s string) (auth.Rate, error) {
	if s == "0" {
		return auth.Rate{}, nil
	}
	ev, rest, ok := strings.Cut(s, "/")
	if !ok {
		return auth.Rate{}, fmt.Errorf("rate %q: want events/period:burst", s)
	}
	per, burst, hasBurst := strings.Cut(rest, ":")
	n, err := strconv.Atoi(ev)
	if err != nil || n <= 0 {
		return auth.Rate{}, fmt.Errorf("rate %q: bad event count", s)
	}
	if per == "s" || per == "m" || per == "h" {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return auth.Rate{}, fmt.Errorf("rate %q: bad period", s)
	}
	b := n
	if hasBurst {
		if b, err = strconv.Atoi(burst); err != nil || b <= 0 {
			return auth.Rate{}, fmt.Errorf("rate %q: bad burst", s)
		}
	}
	return auth.Rate{Events: n, Per: d, Burst: b}, nil
}
