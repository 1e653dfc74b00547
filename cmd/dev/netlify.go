package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// netlifyFunctionsPrefix is where Netlify serves functions on a site.
const netlifyFunctionsPrefix = "/.netlify/functions/"

// netlifySite plays the part of Netlify's edge for samples/netlify: it
// serves the site's public folder, sends /.netlify/functions/<name>/... and
// the netlify.toml rewrite /api/* (to the "api" function) to the function
// as the Lambda-shaped event Netlify sends (API Gateway v1 fields plus
// rawUrl and rawQuery), and answers background functions 202 at once.
type netlifySite struct {
	functions map[string]invoker
	static    http.Handler
	// rewrites maps a path prefix of the site to a function, as the
	// netlify.toml redirects with status 200 do.
	rewrites map[string]string
}

// startNetlify builds every function folder under samples/netlify/functions
// (each its own module) as a bootstrap and runs it under the Runtime
// Interface Emulator.
func startNetlify(ctx context.Context, progress io.Writer, env map[string]string, verbose bool) (http.Handler, func(), error) {
	root, err := repoRoot()
	if err != nil {
		return nil, nil, err
	}
	dirs, err := os.ReadDir(filepath.Join(root, "samples", "netlify", "functions"))
	if err != nil {
		return nil, nil, err
	}
	var specs []rieSpec
	for _, d := range dirs {
		dir := filepath.Join("samples", "netlify", "functions", d.Name())
		if _, err := os.Stat(filepath.Join(root, dir, "main.go")); !d.IsDir() || err != nil {
			continue
		}
		specs = append(specs, rieSpec{name: d.Name(), logName: "netlify/" + d.Name(), dir: dir, pkg: ".",
			out: filepath.Join(".dev", "netlify", d.Name(), "bootstrap")})
	}
	if len(specs) == 0 {
		return nil, nil, errors.New("no function folders under samples/netlify/functions")
	}
	fns, stop, err := startRIESpecs(ctx, progress, env, specs, verbose)
	if err != nil {
		return nil, nil, err
	}
	site := &netlifySite{
		functions: fns,
		static:    http.FileServer(http.Dir(filepath.Join(root, "samples", "netlify", "public"))),
		rewrites:  map[string]string{"/api/": "api"},
	}
	return site, stop, nil
}

func (s *netlifySite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	var name, eventPath string
	if rest, ok := strings.CutPrefix(path, netlifyFunctionsPrefix); ok {
		name, _, _ = strings.Cut(rest, "/")
		eventPath = path
	} else {
		for prefix, fn := range s.rewrites {
			if splat, ok := strings.CutPrefix(path, prefix); ok {
				name, eventPath = fn, netlifyFunctionsPrefix+fn+"/"+splat
			}
		}
	}
	fn, ok := s.functions[name]
	switch {
	case name == "":
		s.static.ServeHTTP(w, r)
		return
	case !ok:
		http.Error(w, "Function not found...", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLambdaPayload))
	if err != nil {
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	requestID := strings.ReplaceAll(newID(), "-", "")[:26]
	payload, err := json.Marshal(netlifyEvent(r, eventPath, requestID, body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	invoke := func(ctx context.Context) ([]byte, error) {
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: newID()})
		return fn.Invoke(ctx, payload)
	}
	if strings.HasSuffix(name, "-background") {
		// Netlify answers the caller itself and runs the function on.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			_, _ = invoke(ctx)
		}()
		w.Header().Set("X-Nf-Request-Id", requestID)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	out, err := invoke(ctx)
	if err != nil {
		http.Error(w, "function invocation failed", http.StatusBadGateway)
		return
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
		http.Error(w, "function invocation failed", http.StatusBadGateway)
		return
	}
	h := w.Header()
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	for k, vs := range res.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("X-Nf-Request-Id", requestID)
	data := []byte(res.Body)
	if res.IsBase64Encoded {
		if data, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
			http.Error(w, "function invocation failed", http.StatusBadGateway)
			return
		}
	}
	h.Del("Content-Length")
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(data)
}

// netlifyEventJSON is the event Netlify sends a Go function: the API Gateway
// v1 fields and Netlify's rawUrl and rawQuery.
type netlifyEventJSON struct {
	events.APIGatewayProxyRequest
	RawURL   string `json:"rawUrl"`
	RawQuery string `json:"rawQuery"`
}

func netlifyEvent(r *http.Request, eventPath, requestID string, body []byte) netlifyEventJSON {
	headers := map[string]string{}
	multi := map[string][]string{}
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		// The edge sets these itself, replacing whatever the client sent.
		if lower == "x-nf-client-connection-ip" || lower == "client-ip" || lower == "x-nf-request-id" {
			continue
		}
		headers[lower] = strings.Join(values, ", ")
		multi[lower] = values
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	for k, v := range map[string]string{"x-nf-client-connection-ip": ip, "client-ip": ip, "x-nf-request-id": requestID, "host": r.Host} {
		headers[k], multi[k] = v, []string{v}
	}
	query := r.URL.Query()
	single := make(map[string]string, len(query))
	for k, vs := range query {
		single[k] = vs[0]
	}
	ev := netlifyEventJSON{
		APIGatewayProxyRequest: events.APIGatewayProxyRequest{
			Path:                            eventPath,
			HTTPMethod:                      r.Method,
			Headers:                         headers,
			MultiValueHeaders:               multi,
			QueryStringParameters:           single,
			MultiValueQueryStringParameters: map[string][]string(query),
		},
		RawURL:   (&url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}).String(),
		RawQuery: r.URL.RawQuery,
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}
