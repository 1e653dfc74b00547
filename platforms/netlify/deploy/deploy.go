// Package deploy deploys a Netlify site (static files plus prebuilt Go
// functions) through Netlify's API, with Netlify's own Go client
// (github.com/netlify/open-api/v2 at v2.50.0, its porcelain DeploySite).
//
// It lives in its own Go module so that the kit's module graph, and so every
// function built with the kit, never includes that client's ~237 modules;
// functions never link it. The command in cmd/netlify-deploy wraps Run:
//
//	NETLIFY_AUTH_TOKEN=... go run ./cmd/netlify-deploy -site $NETLIFY_SITE_ID \
//		-dir ../../../samples/netlify/public -functions ../../../dist/netlify/functions
//
// Each file in the functions directory that is a Linux executable is
// uploaded as a Go function for the provided.al2 runtime: a zip holding it
// as bootstrap. Names ending in "-background" are uploaded with the
// background invocation mode. A directory that already holds a
// manifest.json (zip-it-and-ship-it's output) is deployed as that manifest
// says.
package deploy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/netlify/open-api/v2/go/models"
	"github.com/netlify/open-api/v2/go/plumbing/operations"
	"github.com/netlify/open-api/v2/go/porcelain"
	ncontext "github.com/netlify/open-api/v2/go/porcelain/context"
	"github.com/sirupsen/logrus"
)

// DefaultAPIURL is Netlify's API base URL.
const DefaultAPIURL = "https://api.netlify.com/api/v1"

// Environment variables read by OptionsFromEnv.
const (
	EnvAuthToken = "NETLIFY_AUTH_TOKEN"
	EnvSiteID    = "NETLIFY_SITE_ID"
	EnvAPIURL    = "NETLIFY_API_URL"
)

// Options describe one deploy.
type Options struct {
	// Token is a Netlify personal access token (NETLIFY_AUTH_TOKEN). It is
	// sent only as a bearer token and never printed.
	Token string
	// SiteID is the site's API id (NETLIFY_SITE_ID) or its name.
	SiteID string
	// Dir is the publish directory (required; may be empty of files).
	Dir string
	// FunctionsDir holds the functions: prebuilt Go binaries for linux/amd64
	// (make build-netlify), or a zip-it-and-ship-it manifest. Empty deploys
	// no functions.
	FunctionsDir string
	// Title is shown in Netlify's deploy list.
	Title string
	// Draft makes a draft deploy (a preview URL, not published).
	Draft bool
	// APIURL is the API base URL; empty means DefaultAPIURL.
	APIURL string
	// HTTPClient sends the API requests; nil means a client with a
	// 5-minute timeout per request.
	HTTPClient *http.Client
	// Progress receives one line per step (files hashed, deploy created,
	// each upload, state changes). Nil discards them.
	Progress io.Writer
	// WaitTimeout bounds the wait for the deploy to become ready after the
	// uploads (the client polls its state every 2 seconds); zero means 5
	// minutes. Negative skips waiting.
	WaitTimeout time.Duration
}

// OptionsFromEnv fills Token, SiteID and APIURL from the environment.
func OptionsFromEnv(lookup func(string) (string, bool)) Options {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	return Options{Token: get(EnvAuthToken), SiteID: get(EnvSiteID), APIURL: get(EnvAPIURL)}
}

// Result describes a finished deploy.
type Result struct {
	DeployID  string
	SiteID    string
	State     string
	URL       string // the site's URL (published deploys)
	DeployURL string // this deploy's permalink
	// FilesUploaded and FunctionsUploaded count what Netlify asked for
	// (unchanged content is not uploaded again).
	FilesUploaded, FunctionsUploaded int
	// Functions names every function in the deploy.
	Functions []string
}

// Errors wrapped by *Error, for errors.Is.
var (
	// ErrUnauthorized: the token was missing or rejected (401/403).
	ErrUnauthorized = errors.New("netlify deploy: the auth token was rejected")
	// ErrSiteNotFound: no site with that id is visible to the token (404).
	ErrSiteNotFound = errors.New("netlify deploy: site not found")
	// ErrInvalidOptions: a required option is missing or a directory is unusable.
	ErrInvalidOptions = errors.New("netlify deploy: invalid options")
	// ErrDeployFailed: Netlify reported the deploy in the error state.
	ErrDeployFailed = errors.New("netlify deploy: deploy failed")
)

// Error is returned by Run. It never contains the token.
type Error struct {
	// Step is what was being done: "options", "get site", "deploy", "wait".
	Step string
	// Status is the HTTP status Netlify answered, 0 when none.
	Status int
	// Message is Netlify's error message or a description.
	Message string
	// Err is one of the Err* values above, or the underlying error.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("netlify deploy: ")
	b.WriteString(e.Step)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil && !isSentinel(e.Err) && !strings.Contains(e.Message, e.Err.Error()) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// isSentinel reports this package's Err* values, which the message already
// explains.
func isSentinel(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrSiteNotFound) ||
		errors.Is(err, ErrInvalidOptions) || errors.Is(err, ErrDeployFailed)
}

// Run creates a deploy of opts.Dir and opts.FunctionsDir on the site,
// uploads what Netlify does not have yet, and waits until the deploy is
// ready, reporting progress to opts.Progress.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Token == "" {
		return nil, &Error{Step: "options", Message: EnvAuthToken + " is not set", Err: ErrUnauthorized}
	}
	if opts.SiteID == "" {
		return nil, &Error{Step: "options", Message: "no site id (-site or " + EnvSiteID + ")", Err: ErrInvalidOptions}
	}
	if opts.Dir == "" {
		return nil, &Error{Step: "options", Message: "no publish directory", Err: ErrInvalidOptions}
	}
	if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
		return nil, &Error{Step: "options", Message: "publish directory " + opts.Dir + " is not a directory", Err: ErrInvalidOptions}
	}
	client, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	out := opts.Progress
	if out == nil {
		out = io.Discard
	}
	p := &progress{w: out}

	quiet := logrus.New()
	quiet.SetOutput(io.Discard)
	ctx = ncontext.WithLogger(ctx, logrus.NewEntry(quiet))
	ctx = ncontext.WithAuthInfo(ctx, httptransport.BearerToken(opts.Token))
	auth := ncontext.GetAuthInfo(ctx)

	// A clear failure for a bad token or site before anything is hashed.
	site, err := client.Operations.GetSite(operations.NewGetSiteParams().WithContext(ctx).WithSiteID(opts.SiteID), auth)
	if err != nil {
		return nil, apiError("get site", err, opts.SiteID)
	}
	p.printf("site %s (%s)", site.Payload.Name, site.Payload.ID)

	fnDir := opts.FunctionsDir
	var fnNames []string
	if fnDir != "" {
		staged, names, cleanup, err := stageFunctions(fnDir, p)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		fnDir, fnNames = staged, names
	}

	do := porcelain.DeployOptions{
		SiteID:       site.Payload.ID,
		Dir:          opts.Dir,
		FunctionsDir: fnDir,
		Title:        opts.Title,
		IsDraft:      opts.Draft,
		SkipRetry:    true,
		Observer:     p,
	}
	if do.SiteID == "" {
		do.SiteID = opts.SiteID
	}
	d, err := client.DeploySite(ctx, do)
	if err != nil {
		return nil, apiError("deploy", err, opts.SiteID)
	}
	res := &Result{DeployID: d.ID, SiteID: do.SiteID, Functions: fnNames}
	p.mu.Lock()
	res.FilesUploaded, res.FunctionsUploaded = p.files, p.functions
	p.mu.Unlock()

	if opts.WaitTimeout >= 0 {
		timeout := opts.WaitTimeout
		if timeout == 0 {
			timeout = 5 * time.Minute
		}
		p.printf("waiting for deploy %s (state %s) to be ready", d.ID, d.State)
		wctx, cancel := context.WithTimeout(ctx, timeout)
		live, err := client.WaitUntilDeployLive(wctx, d)
		cancel()
		if err != nil {
			e := &Error{Step: "wait", Message: err.Error()}
			if strings.Contains(err.Error(), "error state") {
				e.Err = ErrDeployFailed
			}
			return nil, e
		}
		d = live
	}
	res.State = d.State
	res.URL = cmp.Or(d.SslURL, d.URL)
	res.DeployURL = cmp.Or(d.DeploySslURL, d.DeployURL)
	p.printf("deploy %s %s: %d files and %d functions uploaded; %s", d.ID, d.State, res.FilesUploaded, res.FunctionsUploaded, cmp.Or(res.DeployURL, res.URL))
	return res, nil
}

func newClient(opts Options) (*porcelain.Netlify, error) {
	raw := opts.APIURL
	if raw == "" {
		raw = DefaultAPIURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &Error{Step: "options", Message: "API URL " + raw + " is not an http(s) URL", Err: ErrInvalidOptions}
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	base := u.Path
	if base == "" {
		base = "/"
	}
	tr := httptransport.NewWithClient(u.Host, base, []string{u.Scheme}, hc)
	return porcelain.New(tr, strfmt.Default), nil
}

// apiError turns the client's errors into *Error without the token.
func apiError(step string, err error, site string) error {
	var coded interface {
		error
		Code() int
	}
	if errors.As(err, &coded) {
		status := coded.Code()
		msg := ""
		var withPayload interface{ GetPayload() *models.Error }
		if errors.As(err, &withPayload) && withPayload.GetPayload() != nil {
			msg = withPayload.GetPayload().Message
		}
		e := &Error{Step: step, Status: status, Message: msg, Err: err}
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden:
			e.Err = ErrUnauthorized
			if e.Message == "" {
				e.Message = "check " + EnvAuthToken
			}
		case http.StatusNotFound:
			if step != "get site" {
				break
			}
			e.Err = ErrSiteNotFound
			e.Message = "no site " + site + " is visible to this token" + suffix(msg)
		}
		if e.Message == "" {
			e.Message = http.StatusText(status) + ": " + err.Error()
		}
		return e
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Step: step, Err: err}
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}

// progress is the porcelain DeployObserver printing one line per step.
type progress struct {
	w         io.Writer
	mu        sync.Mutex
	walked    int
	files     int
	functions int
	needFiles int
	needFuncs int
}

func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) OnSetupWalk() error { p.printf("hashing files"); return nil }

func (p *progress) OnSuccessfulStep(*porcelain.FileBundle) error {
	p.mu.Lock()
	p.walked++
	p.mu.Unlock()
	return nil
}

func (p *progress) OnSuccessfulWalk(df *models.DeployFiles) error {
	p.printf("hashed %d files and %d functions", count(df.Files), count(df.Functions))
	return nil
}

// count returns the size of the porcelain's path-to-digest maps.
func count(v any) int {
	m, _ := v.(map[string]string)
	return len(m)
}

func (p *progress) OnFailedWalk() { p.printf("hashing failed") }

func (p *progress) OnSetupDelta(*models.DeployFiles) error { p.printf("creating deploy"); return nil }

func (p *progress) OnSuccessfulDelta(_ *models.DeployFiles, d *models.Deploy) error {
	p.mu.Lock()
	p.needFiles, p.needFuncs = len(d.Required), len(d.RequiredFunctions)
	p.mu.Unlock()
	p.printf("deploy %s created (state %s): %d files and %d functions to upload", d.ID, d.State, len(d.Required), len(d.RequiredFunctions))
	return nil
}

func (p *progress) OnFailedDelta(*models.DeployFiles) { p.printf("creating the deploy failed") }

func (p *progress) OnSetupUpload(*porcelain.FileBundle) error { return nil }

func (p *progress) OnSuccessfulUpload(f *porcelain.FileBundle) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.Runtime != "" {
		p.functions++
		fmt.Fprintf(p.w, "uploaded function %s (%s) [%d/%d]\n", f.Name, f.Runtime, p.functions, p.needFuncs)
		return nil
	}
	p.files++
	fmt.Fprintf(p.w, "uploaded %s [%d/%d]\n", f.Name, p.files, p.needFiles)
	return nil
}

func (p *progress) OnFailedUpload(f *porcelain.FileBundle) { p.printf("upload of %s failed", f.Name) }

func (p *progress) OnWalkWarning(path, msg string) { p.printf("warning: %s: %s", path, msg) }

// manifest is the subset of zip-it-and-ship-it's manifest.json the
// porcelain reads.
type manifest struct {
	Functions []manifestEntry `json:"functions"`
	Version   int             `json:"version"`
}

type manifestEntry struct {
	Name           string `json:"name"`
	Path           string `json:"path"`
	Runtime        string `json:"runtime"`
	InvocationMode string `json:"invocationMode,omitempty"`
}

// RuntimeGo is the runtime Go binaries are deployed with.
const RuntimeGo = "provided.al2"

// BackgroundSuffix ends the names of background functions.
const BackgroundSuffix = "-background"

// stageFunctions writes a manifest naming every Go binary of dir (with the
// background invocation mode where the name asks for it) into a temporary
// directory, and returns that directory. A dir with its own manifest.json
// is used as it is.
func stageFunctions(dir string, p *progress) (string, []string, func(), error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, nil, &Error{Step: "options", Message: "functions directory " + dir + " is unreadable", Err: ErrInvalidOptions}
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return dir, nil, func() {}, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, nil, &Error{Step: "options", Err: err}
	}
	var m manifest
	m.Version = 1
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(abs, e.Name())
		if !isLinuxExecutable(path) {
			p.printf("warning: skipping %s: not a Linux executable (build with make build-netlify)", e.Name())
			continue
		}
		name := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		me := manifestEntry{Name: name, Path: path, Runtime: RuntimeGo}
		if strings.HasSuffix(name, BackgroundSuffix) {
			me.InvocationMode = "background"
		}
		m.Functions = append(m.Functions, me)
		names = append(names, name)
	}
	if len(m.Functions) == 0 {
		return "", nil, nil, &Error{Step: "options", Message: "functions directory " + dir + " holds no Linux executables", Err: ErrInvalidOptions}
	}
	tmp, err := os.MkdirTemp("", "netlify-functions-")
	if err != nil {
		return "", nil, nil, &Error{Step: "options", Err: err}
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), b, 0o600); err != nil {
		cleanup()
		return "", nil, nil, &Error{Step: "options", Err: err}
	}
	return tmp, names, cleanup, nil
}

// isLinuxExecutable reports an executable ELF file.
func isLinuxExecutable(path string) bool {
	st, err := os.Stat(path)
	if err != nil || st.Mode()&0o111 == 0 {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return false
	}
	return string(magic[:]) == "\x7fELF"
}
