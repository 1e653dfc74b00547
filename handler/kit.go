package handler

import (
	"cmp"
	"container/list"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

// Options configure a Kit. The zero value reads the process environment,
// logs with slog.Default and caps request bodies at 1 MiB.
type Options struct {
	// Env is the environment lookup the configuration is read from on each
	// invocation. Nil means os.LookupEnv. Platforms whose configuration
	// arrives per request (a Worker's bindings) pass their own.
	Env func(string) (string, bool)

	// Resolve, when set, adjusts the configuration read from Env for one
	// request: a multi-tenant function can pick the API key or publishable
	// key by host or route. It runs on every request, so keep it cheap; the
	// clients it leads to are still built once per distinct configuration.
	// Pointers and funcs in the Config (HTTP clients, loggers, the
	// verifier's clock) count by identity: create them once, not inside
	// Resolve, or every request is a new configuration.
	Resolve func(r *http.Request, base Config) (Config, error)

	// Logger receives the kit's records, each with the request id. Nil means
	// slog.Default().
	Logger *slog.Logger

	// MaxBodyBytes caps request bodies; larger ones are answered 413. Zero
	// means 1 MiB; negative means no cap.
	MaxBodyBytes int64

	// MaxInstances bounds how many distinct configurations keep their
	// clients warm (least recently used ones are dropped). Zero means 16.
	// Key sets are kept apart from instances, per issuer (up to four times
	// as many, and at least auth.DefaultKeySetsMaxIssuers), so dropping an
	// instance never throws away the keys it fetched or the limit on
	// fetching them again.
	MaxInstances int

	// HTTPClient, when set, is used by every client the kit builds (backend
	// API, JWKS, gateway) unless the resolved Config names its own. Platforms
	// without a usable default transport (Cloudflare Workers) set it.
	HTTPClient *http.Client

	// RenderError, when set, writes every failure answer the kit makes
	// (401, 403, 413, 429, 5xx, and WriteError's answers inside
	// Kit.Handler) instead of the JSON ErrorBody: an HTML page for browser
	// routes, or another JSON shape. The kit has already chosen the status
	// and set its headers (Retry-After, Cache-Control) and logged the
	// cause; body holds the code, a message safe for the caller and the
	// request id. It must write the status itself, and must not panic.
	RenderError func(w http.ResponseWriter, r *http.Request, status int, body ErrorBody)

	// WebhookIdempotency remembers webhook deliveries by webhook-id for
	// VerifyWebhook, so a repeated delivery reaches the handler marked
	// Duplicate. Nil means a auth.MemoryWebhookIdempotency of this Kit:
	// exact on a long-running server, per warm instance on serverless
	// platforms. Pass a durable store (auth.WebhookIdempotency describes
	// one for each platform) when a repeat must never be processed twice.
	WebhookIdempotency auth.WebhookIdempotency
}

// Kit builds and caches what each configuration needs and provides the
// middleware. Create one per function, with New or as a zero Kit (which
// behaves as New(Options{})), and keep it for the life of the process: its
// cache is what makes warm invocations cheap. A Kit must not be copied
// after first use. It is safe for concurrent use.
type Kit struct {
	initOnce sync.Once
	opts     Options
	log      *slog.Logger

	// keySets outlives instances: configurations of one issuer share its
	// key set and refresh limiter however often they are evicted.
	keySets auth.KeySets

	mu    sync.Mutex
	byKey map[fingerprint]*list.Element
	lru   *list.List // of *instance, most recent first
	last  atomic.Pointer[instance]

	stats struct {
		instances, clients, verifiers, gateways, webhooks atomic.Int64
	}
}

// New returns a Kit. Nothing is read or built until the first request: cold
// starts do no network and no client construction. A zero Kit is the same
// as New(Options{}).
func New(opts Options) *Kit {
	k := &Kit{opts: opts}
	k.init()
	return k
}

// init applies the defaults of Options once, so that a zero Kit (declared
// as a variable, or embedded in a struct) works as New(Options{}) does.
// Every entry point calls it; after the first call it is one atomic load.
func (k *Kit) init() {
	k.initOnce.Do(func() {
		opts := &k.opts
		if opts.Env == nil {
			opts.Env = os.LookupEnv
		}
		if opts.MaxBodyBytes == 0 {
			opts.MaxBodyBytes = defaultMaxBodyBytes
		}
		if opts.MaxInstances <= 0 {
			opts.MaxInstances = defaultInstanceCacheLimit
		}
		if opts.WebhookIdempotency == nil {
			opts.WebhookIdempotency = &auth.MemoryWebhookIdempotency{}
		}
		k.log = cmp.Or(opts.Logger, slog.Default())
		k.byKey = map[fingerprint]*list.Element{}
		k.lru = list.New()
		k.keySets.MaxIssuers = max(4*opts.MaxInstances, auth.DefaultKeySetsMaxIssuers)
	})
}

// render writes a failure answer with Options.RenderError, else as JSON.
func (k *Kit) render(w http.ResponseWriter, r *http.Request, status int, body ErrorBody) {
	if k.opts.RenderError != nil {
		k.opts.RenderError(w, r, status, body)
		return
	}
	writeJSON(w, status, body)
}

// Stats counts what a Kit has built since it was created. Tests and
// benchmarks use it to show that warm invocations reuse one client.
type Stats struct {
	Instances      int64 // distinct configurations seen
	ClientBuilds   int64
	VerifierBuilds int64
	GatewayBuilds  int64
	WebhookBuilds  int64
}

// Stats reports the build counters.
func (k *Kit) Stats() Stats {
	return Stats{
		Instances:      k.stats.instances.Load(),
		ClientBuilds:   k.stats.clients.Load(),
		VerifierBuilds: k.stats.verifiers.Load(),
		GatewayBuilds:  k.stats.gateways.Load(),
		WebhookBuilds:  k.stats.webhooks.Load(),
	}
}

// instance holds what one configuration needs, each part built on first use
// and kept for the life of the warm instance.
type instance struct {
	key fingerprint
	cfg Config
	kit *Kit

	clientOnce sync.Once
	client     *wacht.Client
	clientErr  error

	verifierOnce sync.Once
	verifier     *auth.Verifier
	verifierErr  error

	gatewayOnce sync.Once
	gateway     *auth.Gateway
	gatewayErr  error

	webhookOnce sync.Once
	webhook     *auth.WebhookVerifier
	webhookErr  error
}

// notSet reports a setting the kit needs and was not given. The kit's
// configuration errors are *wacht.ConfigError, as its clients' are: one
// type to match with errors.As. Their text is for the function's owner:
// WriteError logs it (with known secrets and URL passwords redacted) and
// answers the caller only a generic 500 misconfigured with the request id.
func notSet(env, part string) error {
	return &wacht.ConfigError{Field: env, Problem: "not set; the " + part + " needs it"}
}

// configError returns err from building part as a *wacht.ConfigError,
// which the wacht constructors return already.
func configError(part string, err error) error {
	if _, ok := errors.AsType[*wacht.ConfigError](err); ok {
		return err
	}
	return &wacht.ConfigError{Field: part, Problem: "invalid", Err: err}
}

func (in *instance) Client() (*wacht.Client, error) {
	in.clientOnce.Do(func() {
		cfg := in.cfg.Client
		if cfg.HTTPClient == nil {
			cfg.HTTPClient = in.kit.opts.HTTPClient
		}
		if cfg.APIKey == "" {
			in.clientErr = notSet(EnvAPIKey, "backend client")
			return
		}
		in.client, in.clientErr = wacht.NewClient(cfg)
		if in.clientErr != nil {
			in.clientErr = configError("backend client", in.clientErr)
			return
		}
		in.kit.stats.clients.Add(1)
	})
	return in.client, in.clientErr
}

func (in *instance) Verifier() (*auth.Verifier, error) {
	in.verifierOnce.Do(func() {
		cfg := in.cfg.Verifier
		if cfg.HTTPClient == nil {
			cfg.HTTPClient = in.kit.opts.HTTPClient
		}
		if cfg.KeySets == nil {
			cfg.KeySets = &in.kit.keySets
		}
		if cfg.PublishableKey == "" && cfg.FrontendAPIURL == "" {
			in.verifierErr = notSet(EnvPublishableKey, "token verifier")
			return
		}
		in.verifier, in.verifierErr = auth.NewVerifier(cfg)
		if in.verifierErr != nil {
			in.verifierErr = configError("token verifier", in.verifierErr)
			return
		}
		in.kit.stats.verifiers.Add(1)
	})
	return in.verifier, in.verifierErr
}

func (in *instance) Gateway() (*auth.Gateway, error) {
	in.gatewayOnce.Do(func() {
		cfg := in.cfg.Gateway
		if cfg.HTTPClient == nil {
			cfg.HTTPClient = in.kit.opts.HTTPClient
		}
		if cfg.URL == "" {
			cfg.URL = auth.DefaultGatewayURL
		}
		in.gateway, in.gatewayErr = auth.NewGateway(cfg)
		if in.gatewayErr != nil {
			in.gatewayErr = configError("gateway", in.gatewayErr)
			return
		}
		in.kit.stats.gateways.Add(1)
	})
	return in.gateway, in.gatewayErr
}

func (in *instance) Webhook() (*auth.WebhookVerifier, error) {
	in.webhookOnce.Do(func() {
		if in.cfg.WebhookSecret == "" {
			in.webhookErr = notSet(EnvWebhookSecret, "webhook verifier")
			return
		}
		in.webhook, in.webhookErr = auth.NewWebhookVerifier(in.cfg.WebhookSecret)
		if in.webhookErr != nil {
			in.webhookErr = configError("webhook verifier", in.webhookErr)
			return
		}
		if in.kit.opts.MaxBodyBytes > 0 {
			in.webhook.MaxBodyBytes = in.kit.opts.MaxBodyBytes
		}
		in.kit.stats.webhooks.Add(1)
	})
	return in.webhook, in.webhookErr
}

// instanceFor resolves the configuration of r and returns its warm
// instance, creating it on first sight. The common case (same configuration
// as the previous request) costs one env read and one hash.
func (k *Kit) instanceFor(r *http.Request) (*instance, error) {
	k.init()
	if in, ok := r.Context().Value(instanceKey{}).(*instance); ok && in.kit == k {
		return in, nil
	}
	cfg := ConfigFromEnv(k.opts.Env)
	if k.opts.Resolve != nil {
		var err error
		if cfg, err = k.opts.Resolve(r, cfg); err != nil {
			return nil, &wacht.ConfigError{Field: "handler.Options.Resolve", Problem: "failed", Err: err}
		}
	}
	key := cfg.fingerprint()
	if in := k.last.Load(); in != nil && in.key == key {
		return in, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if el, ok := k.byKey[key]; ok {
		k.lru.MoveToFront(el)
		in := el.Value.(*instance)
		k.last.Store(in)
		return in, nil
	}
	in := &instance{key: key, cfg: cfg, kit: k}
	k.byKey[key] = k.lru.PushFront(in)
	for k.lru.Len() > k.opts.MaxInstances {
		oldest := k.lru.Back()
		k.lru.Remove(oldest)
		delete(k.byKey, oldest.Value.(*instance).key)
	}
	k.stats.instances.Add(1)
	k.last.Store(in)
	return in, nil
}

// withInstance resolves the instance once per request and stores it in the
// context, so nested middleware share it.
func (k *Kit) withInstance(w http.ResponseWriter, r *http.Request) (*instance, *http.Request, bool) {
	in, err := k.instanceFor(r)
	if err != nil {
		k.fail(w, r, err)
		return nil, r, false
	}
	if s := scopeFrom(r.Context()); s != nil {
		s.inst.Store(in)
	}
	if cur, ok := r.Context().Value(instanceKey{}).(*instance); ok && cur == in {
		return in, r, true
	}
	return in, r.WithContext(context.WithValue(r.Context(), instanceKey{}, in)), true
}
