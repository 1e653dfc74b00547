// Command api is the Netlify Go function behind the sample site's /api/*
// redirect (netlify.toml sends /api/* to /.netlify/functions/api/:splat):
//
//	GET  /api/admin/users     session token with user:read (samples/functions.AdminUsers)
//	GET  /api/machine/users   API key allowed user:read by Wacht's gateway
//	POST /api/webhooks/wacht  signed Wacht webhook delivery
//	GET  /api/echo            what the function saw: path, query, headers, client
//	GET  /api/badge.png       a small PNG, answered as a binary body
//
// netlify.WithBasePath("/api") makes /api/echo and
// /.netlify/functions/api/echo reach the same route.
//
// Configuration comes from the site's environment variables (WACHT_API_KEY,
// WACHT_BACKEND_API_URL, WACHT_PUBLISHABLE_KEY, WACHT_GATEWAY_URL,
// WACHT_WEBHOOK_SECRET), read per invocation by the kit.
package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/netlify"
	"github.com/wacht-platform/serverless-go/samples/functions"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	kit := handler.New(handler.Options{Logger: logger})
	mux := http.NewServeMux()
	mux.Handle(functions.PathAdminUsers, functions.AdminUsers(kit))
	mux.Handle(functions.PathMachineUsers, functions.MachineUsers(kit))
	mux.Handle(functions.PathWebhook, functions.WebhookReceiver(kit))
	mux.HandleFunc("GET /echo", echo)
	mux.HandleFunc("GET /badge.png", badge)
	netlify.Start(kit.Handler(mux), netlify.WithBasePath("/api"), netlify.WithLogger(logger))
}

// Echo is the answer of GET /echo.
type Echo struct {
	Path       string              `json:"path"`
	Query      map[string][]string `json:"query"`
	Headers    map[string][]string `json:"headers"` // X-Echo-* request headers
	RemoteAddr string              `json:"remote_addr"`
	RequestID  string              `json:"request_id"`
	Function   string              `json:"function"`
	RawURL     string              `json:"raw_url"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	id, _ := handler.RequestIDFromContext(r.Context())
	e := Echo{
		Path:       r.URL.Path,
		Query:      r.URL.Query(),
		Headers:    map[string][]string{},
		RemoteAddr: r.RemoteAddr,
		RequestID:  id,
	}
	for k, vs := range r.Header {
		if strings.HasPrefix(k, "X-Echo-") {
			e.Headers[k] = vs
		}
	}
	if ev, ok := netlify.EventFromContext(r.Context()); ok {
		e.Function, e.RawURL = ev.FunctionName, ev.RawURL
	}
	w.Header().Add("X-Echo-Reply", "first")
	w.Header().Add("X-Echo-Reply", "second")
	handler.WriteJSON(w, http.StatusOK, e)
}

// badge answers a 16x16 PNG: a binary body, sent base64-encoded to Netlify.
func badge(w http.ResponseWriter, r *http.Request) {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			img.Set(x, y, color.NRGBA{R: 0x1f, G: uint8(x * 16), B: uint8(y * 16), A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		handler.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
