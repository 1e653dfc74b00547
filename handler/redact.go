package handler

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

// redacted replaces every secret the kit knows of in text meant for a log.
const redacted = wacht.Redacted

// minSecretLen keeps very short values (an empty cookie, "1") from being
// treated as secrets: replacing them would shred the whole log line
// without protecting anything.
const minSecretLen = 6

// scopeKey holds the *requestScope Kit.Handler installs for each request.
type scopeKey struct{}

// requestScope is what the kit knows about one request that it needs when
// something goes wrong: the request's credentials and the configuration
// that served it, so panic values and error details can be redacted before
// they are logged.
type requestScope struct {
	kit    *Kit
	header http.Header
	// inst is the warm instance the request resolved to, once a
	// middleware resolved one; until then the kit's base env is used.
	inst atomic.Pointer[instance]

	// The request's logger is the kit's with the request id and the
	// WithLogAttrs attributes, built on first use: most requests log
	// nothing, and building it was a third of Kit.Handler's allocations.
	requestID string
	logAttrs  []slog.Attr
	log       atomic.Pointer[slog.Logger]
}

func (s *requestScope) logger() *slog.Logger {
	if l := s.log.Load(); l != nil {
		return l
	}
	l := requestLogger(s.kit.log, s.requestID, s.logAttrs)
	if !s.log.CompareAndSwap(nil, l) {
		return s.log.Load()
	}
	return l
}

// requestLogger is base with the request id and a platform's WithLogAttrs
// attributes: the logger LoggerFromContext returns for a request or an
// event.
func requestLogger(base *slog.Logger, id string, attrs []slog.Attr) *slog.Logger {
	l := base.With(slog.String("request_id", id))
	if len(attrs) > 0 {
		args := make([]any, len(attrs))
		for i, a := range attrs {
			args[i] = a
		}
		l = l.With(args...)
	}
	return l
}

// scopeContext carries a request's scope and answers for its logger with
// one context node (Kit.Handler's), where two context.WithValue would do.
type scopeContext struct {
	context.Context
	scope *requestScope
}

func (c *scopeContext) Value(key any) any {
	switch key.(type) {
	case scopeKey:
		return c.scope
	case loggerKey:
		return c.scope.logger()
	}
	return c.Context.Value(key)
}

func scopeFrom(ctx context.Context) *requestScope {
	s, _ := ctx.Value(scopeKey{}).(*requestScope)
	return s
}

// secrets lists the values that must never reach a log: the configured
// API key, webhook secret (whole and its key part), HMAC and forwarded-auth
// secrets, and the request's own credentials (Authorization, x-api-key,
// x-wacht-auth, every cookie value, and the signature part of any JWT
// among them). Longest first, so a secret containing another is replaced
// whole.
func (s *requestScope) secrets(ctx context.Context) []string {
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < minSecretLen {
			return
		}
		out = append(out, v)
		// A token's signature is its secret part; a log line may carry it
		// alone (a truncated or split token).
		if strings.Count(v, ".") == 2 {
			if sig := v[strings.LastIndexByte(v, '.')+1:]; len(sig) >= minSecretLen {
				out = append(out, sig)
			}
		}
	}
	addConfig := func(cfg *Config) {
		add(cfg.Client.APIKey)
		add(cfg.WebhookSecret)
		if rest, ok := strings.CutPrefix(cfg.WebhookSecret, "whsec_"); ok {
			add(rest)
		}
		add(string(cfg.Verifier.HMACSecret))
		add(string(cfg.Verifier.ForwardedAuthSecret))
	}
	var in *instance
	if s != nil {
		in = s.inst.Load()
	}
	if cur, ok := ctx.Value(instanceKey{}).(*instance); ok && cur != in {
		addConfig(&cur.cfg)
	}
	if in != nil {
		addConfig(&in.cfg)
	}
	if s == nil {
		return sortSecrets(out)
	}
	if in == nil && s.kit != nil {
		// No middleware resolved a configuration (a panic in a plain
		// handler, a Resolve failure): the base env still names the keys.
		base := ConfigFromEnv(s.kit.opts.Env)
		addConfig(&base)
	}
	for _, name := range []string{"Authorization", "Proxy-Authorization", auth.APIKeyHeader, auth.ForwardedAuthHeader} {
		for _, v := range s.header.Values(name) {
			add(v)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				add(cred)
			}
		}
	}
	for _, line := range s.header.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			if _, v, ok := strings.Cut(part, "="); ok {
				add(strings.Trim(strings.TrimSpace(v), `"`))
			}
		}
	}
	return sortSecrets(out)
}

func sortSecrets(out []string) []string {
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// urlPassword matches the password of a URL's userinfo
// (postgres://user:password@host), which error texts from a Resolve
// function (a database or secret-store client) commonly carry.
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):([^@\s/]*)@`)

// redact removes secrets and URL passwords from text bound for a log.
func redactAll(text string, secrets []string) string {
	for _, s := range secrets {
		if strings.Contains(text, s) {
			text = strings.ReplaceAll(text, s, redacted)
		}
	}
	return urlPassword.ReplaceAllString(text, "${1}:"+redacted+"@")
}

// redactFor redacts text with everything the request's scope knows.
func redactFor(ctx context.Context, text string) string {
	return redactAll(text, scopeFrom(ctx).secrets(ctx))
}
