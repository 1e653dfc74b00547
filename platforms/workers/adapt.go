package workers

import (
	"net"
	"net/http"

	"github.com/wacht-platform/serverless-go/handler"
)

// New returns a handler.Kit set up for the Worker it runs in: unless opts
// names its own, configuration comes from the Worker's env bindings (Env),
// read on every request as the kit always does, and every client the kit
// builds (backend API, JWKS, gateway) sends through HTTPClient, the Workers
// fetch API. Everything else in opts is passed on unchanged.
func New(opts handler.Options) *handler.Kit {
	return handler.New(options(opts, Env, HTTPClient))
}

func options(opts handler.Options, env func(string) (string, bool), client func() *http.Client) handler.Options {
	if opts.Env == nil {
		opts.Env = env
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = client()
	}
	return opts
}

// adapt completes the request the Workers glue hands over so that it looks
// like one a Go server accepted: the Cloudflare ray id becomes the request
// id, the client address comes from CF-Connecting-IP, RequestURI is set.
//
// Cloudflare's edge sets Cf-Ray and CF-Connecting-IP on every request it
// passes to a Worker, replacing what the client sent, so they can be
// trusted on Workers (wrangler dev sets them locally too).
func adapt(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ray := r.Header.Get("Cf-Ray"); ray != "" {
			r = r.WithContext(handler.WithRequestID(r.Context(), ray))
		}
		if r.RemoteAddr == "" {
			if ip := net.ParseIP(r.Header.Get("Cf-Connecting-Ip")); ip != nil {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
		}
		if r.RequestURI == "" && r.URL != nil {
			r.RequestURI = r.URL.RequestURI()
		}
		if len(r.TransferEncoding) == 1 && r.TransferEncoding[0] == "" {
			r.TransferEncoding = nil
		}
		h.ServeHTTP(w, r)
	})
}
