package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testToken  = "nfp_test_token_do_not_print"
	testSiteID = "site-123"
)

// fakeNetlify follows Netlify's published API (swagger.yml of
// netlify/open-api v2.50.0) for the endpoints a deploy uses:
// getSite, createSiteDeploy, uploadDeployFile, uploadDeployFunction and
// getSiteDeploy. Errors use the spec's error shape {code, message}.
type fakeNetlify struct {
	t *testing.T

	mu         sync.Mutex
	created    map[string]any    // the createSiteDeploy body
	files      map[string][]byte // uploaded files by path
	functions  map[string]uploadedFunction
	polls      int
	have       map[string]bool // digests the "CDN" already holds
	finalState string
}

type uploadedFunction struct {
	Runtime, InvocationMode string
	Zip                     []byte
	Query                   string
}

func newFakeNetlify(t *testing.T) (*fakeNetlify, *httptest.Server) {
	f := &fakeNetlify{t: t, files: map[string][]byte{}, functions: map[string]uploadedFunction{}, have: map[string]bool{}, finalState: "ready"}
	srv := httptest.NewUnstartedServer(f)
	// httptest listens on 127.0.0.1 already; keep it explicit.
	srv.Start()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server on %s, want loopback", srv.URL)
	}
	t.Cleanup(srv.Close)
	return f, srv
}

func apiErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeNetlify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		apiErr(w, http.StatusUnauthorized, "Access Denied: Invalid Token")
		return
	}
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v1/")
	if !ok {
		apiErr(w, http.StatusNotFound, "Not Found")
		return
	}
	seg := strings.Split(p, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && len(seg) == 2 && seg[0] == "sites":
		if seg[1] != testSiteID {
			apiErr(w, http.StatusNotFound, "Not Found")
			return
		}
		writeJSON(w, map[string]any{"id": testSiteID, "name": "wacht-sample", "url": "http://wacht-sample.netlify.app", "ssl_url": "https://wacht-sample.netlify.app"})
	case r.Method == http.MethodPost && len(seg) == 3 && seg[0] == "sites" && seg[2] == "deploys":
		if seg[1] != testSiteID {
			apiErr(w, http.StatusNotFound, "Not Found")
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			apiErr(w, http.StatusUnprocessableEntity, "want JSON, got "+ct)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			apiErr(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		f.created = body
		required, requiredFns := []string{}, []string{}
		for _, sum := range asStrings(body["files"]) {
			if !f.have[sum] {
				required = append(required, sum)
			}
		}
		for _, sum := range asStrings(body["functions"]) {
			if !f.have[sum] {
				requiredFns = append(requiredFns, sum)
			}
		}
		writeJSON(w, map[string]any{"id": "deploy-1", "site_id": testSiteID, "state": "uploading",
			"required": required, "required_functions": requiredFns})
	case r.Method == http.MethodPut && len(seg) >= 4 && seg[0] == "deploys" && seg[2] == "files":
		// The client escapes the path parameter whole ("assets%2Fapp.css").
		path, err := url.PathUnescape(strings.Join(seg[3:], "/"))
		if err != nil {
			apiErr(w, http.StatusBadRequest, "bad path")
			return
		}
		b, _ := io.ReadAll(r.Body)
		sum := sha1.Sum(b)
		files := asStrings(f.created["files"])
		want, ok := files["/"+path]
		if !ok {
			want = files[path]
		}
		if want != hex.EncodeToString(sum[:]) {
			apiErr(w, http.StatusUnprocessableEntity, "digest mismatch for "+path)
			return
		}
		f.files[path] = b
		writeJSON(w, map[string]any{"id": "/" + path, "path": "/" + path, "sha": hex.EncodeToString(sum[:])})
	case r.Method == http.MethodPut && len(seg) == 4 && seg[0] == "deploys" && seg[2] == "functions":
		name := seg[3]
		b, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(b)
		if want := asStrings(f.created["functions"])[name]; want != hex.EncodeToString(sum[:]) {
			apiErr(w, http.StatusUnprocessableEntity, "digest mismatch for function "+name)
			return
		}
		q := r.URL.Query()
		f.functions[name] = uploadedFunction{Runtime: q.Get("runtime"), InvocationMode: q.Get("invocation_mode"), Zip: b, Query: r.URL.RawQuery}
		writeJSON(w, map[string]any{"id": name, "name": name, "sha256": hex.EncodeToString(sum[:])})
	case r.Method == http.MethodGet && len(seg) == 4 && seg[0] == "sites" && seg[2] == "deploys":
		f.polls++
		state := "processing"
		if f.polls > 1 || f.finalState == "error" {
			state = f.finalState
		}
		writeJSON(w, map[string]any{"id": seg[3], "site_id": testSiteID, "state": state,
			"ssl_url": "https://wacht-sample.netlify.app", "deploy_ssl_url": "https://deploy-1--wacht-sample.netlify.app"})
	default:
		apiErr(w, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path)
	}
}

func asStrings(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := map[string]string{}
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

var (
	helloOnce sync.Once
	helloBin  []byte
	helloErr  error
)

// helloBinary builds testdata/hello for linux/amd64 the way make
// build-netlify builds functions.
func helloBinary(t *testing.T) []byte {
	t.Helper()
	helloOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hello-bin-")
		if err != nil {
			helloErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "hello")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, "./testdata/hello")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if b, err := cmd.CombinedOutput(); err != nil {
			helloErr = fmt.Errorf("go build: %w\n%s", err, b)
			return
		}
		helloBin, helloErr = os.ReadFile(out)
	})
	if helloErr != nil {
		t.Fatal(helloErr)
	}
	return helloBin
}

// site lays out a publish dir and a functions dir like make build-netlify.
func site(t *testing.T) (publish, functions string, bin []byte) {
	t.Helper()
	bin = helloBinary(t)
	root := t.TempDir()
	publish = filepath.Join(root, "public")
	functions = filepath.Join(root, "functions")
	for path, body := range map[string]string{
		"index.html":      "<h1>hi</h1>",
		"_redirects":      "/api/*  /.netlify/functions/api/:splat  200\n",
		"assets/app.css":  "body{}",
		".hidden/ignored": "x",
	} {
		p := filepath.Join(publish, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(functions, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api", "sync-background"} {
		if err := os.WriteFile(filepath.Join(functions, name), bin, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Not a function: skipped with a warning.
	if err := os.WriteFile(filepath.Join(functions, "README.txt"), []byte("notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	return publish, functions, bin
}

func TestDeployUploadsFilesAndFunctions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("executable bits")
	}
	api, srv := newFakeNetlify(t)
	publish, functions, bin := site(t)
	var progress bytes.Buffer
	res, err := Run(context.Background(), Options{
		Token: testToken, SiteID: testSiteID, Dir: publish, FunctionsDir: functions,
		Title: "test deploy", APIURL: srv.URL + "/api/v1", Progress: &progress, WaitTimeout: time.Minute,
	})
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	if res.DeployID != "deploy-1" || res.State != "ready" || res.FilesUploaded != 3 || res.FunctionsUploaded != 2 {
		t.Errorf("result = %+v", res)
	}
	if res.URL != "https://wacht-sample.netlify.app" || res.DeployURL != "https://deploy-1--wacht-sample.netlify.app" {
		t.Errorf("urls = %q %q", res.URL, res.DeployURL)
	}

	api.mu.Lock()
	defer api.mu.Unlock()
	if got := string(api.files["index.html"]); got != "<h1>hi</h1>" {
		t.Errorf("index.html = %q", got)
	}
	if _, ok := api.files["assets/app.css"]; !ok || len(api.files) != 3 {
		t.Errorf("files uploaded = %v (dot directories must be skipped)", keys(api.files))
	}
	if fns := asStrings(api.created["functions"]); len(fns) != 2 {
		t.Errorf("createSiteDeploy functions = %v", fns)
	}
	for name, mode := range map[string]string{"api": "", "sync-background": "background"} {
		fn, ok := api.functions[name]
		if !ok {
			t.Errorf("function %s not uploaded", name)
			continue
		}
		if fn.Runtime != RuntimeGo {
			t.Errorf("%s runtime = %q, want %q", name, fn.Runtime, RuntimeGo)
		}
		if fn.InvocationMode != mode {
			t.Errorf("%s invocation_mode = %q, want %q (query %s)", name, fn.InvocationMode, mode, fn.Query)
		}
		zr, err := zip.NewReader(bytes.NewReader(fn.Zip), int64(len(fn.Zip)))
		if err != nil {
			t.Fatalf("%s: not a zip: %v", name, err)
		}
		if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
			t.Fatalf("%s zip entries = %v, want only bootstrap", name, zipNames(zr))
		}
		if m := zr.File[0].Mode(); m&0o111 == 0 {
			t.Errorf("%s bootstrap mode = %v, want executable", name, m)
		}
		rc, _ := zr.File[0].Open()
		got, _ := io.ReadAll(rc)
		_ = rc.Close()
		if !bytes.Equal(got, bin) {
			t.Errorf("%s bootstrap differs from the built binary", name)
		}
	}
	out := progress.String()
	for _, want := range []string{
		"site wacht-sample (site-123)",
		"hashed 3 files and 2 functions",
		"3 files and 2 functions to upload",
		"uploaded function api (provided.al2)",
		"uploaded function sync-background (provided.al2)",
		"uploaded index.html",
		"warning: skipping README.txt",
		"deploy deploy-1 ready: 3 files and 2 functions uploaded",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testToken) {
		t.Error("progress prints the token")
	}
}

func TestDeployNothingToUpload(t *testing.T) {
	api, srv := newFakeNetlify(t)
	publish, _, _ := site(t)
	api.mu.Lock()
	for _, body := range []string{"<h1>hi</h1>", "/api/*  /.netlify/functions/api/:splat  200\n", "body{}"} {
		sum := sha1.Sum([]byte(body))
		api.have[hex.EncodeToString(sum[:])] = true
	}
	api.mu.Unlock()
	res, err := Run(context.Background(), Options{Token: testToken, SiteID: testSiteID, Dir: publish, APIURL: srv.URL + "/api/v1", WaitTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesUploaded != 0 || res.FunctionsUploaded != 0 || len(api.files) != 0 {
		t.Errorf("uploaded %d files, %v", res.FilesUploaded, keys(api.files))
	}
}

func TestDeployFailures(t *testing.T) {
	api, srv := newFakeNetlify(t)
	publish, functions, _ := site(t)
	base := Options{Token: testToken, SiteID: testSiteID, Dir: publish, FunctionsDir: functions, APIURL: srv.URL + "/api/v1", WaitTimeout: time.Minute}

	for name, tc := range map[string]struct {
		mutate func(*Options)
		want   error
		status int
		text   string
	}{
		"bad token":    {func(o *Options) { o.Token = "nfp_wrong_secret" }, ErrUnauthorized, 401, "Invalid Token"},
		"no token":     {func(o *Options) { o.Token = "" }, ErrUnauthorized, 0, EnvAuthToken},
		"unknown site": {func(o *Options) { o.SiteID = "nope" }, ErrSiteNotFound, 404, "no site nope"},
		"no site":      {func(o *Options) { o.SiteID = "" }, ErrInvalidOptions, 0, EnvSiteID},
		"no publish":   {func(o *Options) { o.Dir = filepath.Join(publish, "missing") }, ErrInvalidOptions, 0, "not a directory"},
		"bad API URL":  {func(o *Options) { o.APIURL = "ftp://x" }, ErrInvalidOptions, 0, "not an http(s) URL"},
		"no functions": {func(o *Options) { o.FunctionsDir = publish }, ErrInvalidOptions, 0, "no Linux executables"},
	} {
		t.Run(name, func(t *testing.T) {
			o := base
			tc.mutate(&o)
			_, err := Run(context.Background(), o)
			var de *Error
			if !errors.As(err, &de) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want *Error wrapping %v", err, tc.want)
			}
			if de.Status != tc.status || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %q (status %d), want status %d and %q", err, de.Status, tc.status, tc.text)
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}

	t.Run("deploy error state", func(t *testing.T) {
		api.mu.Lock()
		api.finalState = "error"
		api.mu.Unlock()
		_, err := Run(context.Background(), base)
		if !errors.Is(err, ErrDeployFailed) {
			t.Fatalf("err = %v, want ErrDeployFailed", err)
		}
	})
}

func TestOptionsFromEnv(t *testing.T) {
	env := map[string]string{EnvAuthToken: " tok ", EnvSiteID: "s", EnvAPIURL: "http://127.0.0.1:1/api/v1"}
	o := OptionsFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if o.Token != "tok" || o.SiteID != "s" || o.APIURL != env[EnvAPIURL] {
		t.Errorf("options = %+v", o)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func zipNames(zr *zip.Reader) []string {
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name)
	}
	return out
}
