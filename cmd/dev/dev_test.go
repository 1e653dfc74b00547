package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/samples/agentrun"
	"github.com/wacht-platform/serverless-go/samples/functions"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// devServer runs the dev program in process, as make dev would, and returns
// the lines it printed up to and including "Ctrl-C stops the server.".
type devServer struct {
	lines  []string
	logs   *testtools.Buffer
	cancel context.CancelFunc
	done   chan error
}

func startDev(t *testing.T, args ...string) *devServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &devServer{logs: &testtools.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, d.logs)
		pw.CloseWithError(errors.Join(err, io.EOF))
		d.done <- err
	}()
	t.Cleanup(func() {
		d.stop(t)
		if t.Failed() {
			t.Logf("dev server log:\n%s", d.logs.String())
		}
	})
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		d.lines = append(d.lines, sc.Text())
		if sc.Text() == "Ctrl-C stops the server." {
			// Keep draining so later writes never block.
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			return d
		}
	}
	t.Fatalf("the dev server stopped before it was ready (%v); it printed:\n%s", sc.Err(), strings.Join(d.lines, "\n"))
	return nil
}

// stop cancels the server's context, as SIGINT does, and waits for a clean
// return.
func (d *devServer) stop(t *testing.T) {
	t.Helper()
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("the dev server did not stop cleanly: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the dev server did not stop within 30s of its context ending")
	}
}

// printedCall is one "# title: expect NNN, answer" comment and the curl
// line after it.
type printedCall struct {
	title  string
	status int
	curl   string
}

var expectLine = regexp.MustCompile(`^# (.+): expect (\d{3}), `)

// parse reads the exports and the commented curls of the ready block.
func parse(t *testing.T, lines []string) (vars map[string]string, calls []printedCall) {
	t.Helper()
	vars = map[string]string{}
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "export "); ok {
			words, err := shellWords(rest, nil)
			if err != nil || len(words) != 1 {
				t.Fatalf("export line %q: %v", l, err)
			}
			name, value, _ := strings.Cut(words[0], "=")
			vars[name] = value
			continue
		}
		m := expectLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "curl ") {
			t.Fatalf("%q is not followed by a curl line", l)
		}
		status, _ := strconv.Atoi(m[2])
		calls = append(calls, printedCall{title: m[1], status: status, curl: lines[i+1]})
	}
	return vars, calls
}

// shellWords splits a command line the way a POSIX shell would for the
// subset the dev server prints: blanks, single quotes, and double quotes
// with $NAME expansion from vars.
func shellWords(s string, vars map[string]string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	expand := func(i int) (int, error) {
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		name := s[i+1 : j]
		v, ok := vars[name]
		if !ok {
			return 0, fmt.Errorf("$%s is not set by the printed exports", name)
		}
		cur.WriteString(v)
		return j, nil
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			i++
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord, i = true, i+end+2
		case c == '"':
			i++
			for {
				if i >= len(s) {
					return nil, errors.New("unterminated double quote")
				}
				if s[i] == '"' {
					i++
					break
				}
				if s[i] == '$' {
					var err error
					if i, err = expand(i); err != nil {
						return nil, err
					}
					continue
				}
				if s[i] == '\\' || s[i] == '`' {
					return nil, errors.New("escapes are not printed by the dev server")
				}
				cur.WriteByte(s[i])
				i++
			}
			inWord = true
		case strings.IndexByte("$&|;<>()`\\*?[#~", c) >= 0:
			// An unquoted $NAME would be split on blanks by a shell: the
			// dev server always quotes it.
			return nil, fmt.Errorf("shell metacharacter %q outside quotes", c)
		default:
			cur.WriteByte(c)
			inWord, i = true, i+1
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// request turns a printed curl into an *http.Request. Only the options the
// dev server prints are understood; anything else fails the test, so the
// printed commands stay simple.
func request(line string, vars map[string]string) (*http.Request, error) {
	words, err := shellWords(line, vars)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 || words[0] != "curl" {
		return nil, errors.New("not a curl command")
	}
	method, target, body := "GET", "", ""
	var headers []string
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-i", "-s":
		case "-X", "-H", "-d":
			if i+1 >= len(words) {
				return nil, fmt.Errorf("%s without a value", w)
			}
			i++
			switch w {
			case "-X":
				method = words[i]
			case "-H":
				headers = append(headers, words[i])
			default:
				body = words[i]
			}
		default:
			if strings.HasPrefix(w, "-") || target != "" {
				return nil, fmt.Errorf("unexpected curl argument %q", w)
			}
			target = w
		}
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("header %q has no colon", h)
		}
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return req, nil
}

func seededUsers(t *testing.T, body []byte) {
	t.Helper()
	var page functions.UsersResponse
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("not a users page: %q", body)
	}
	got := map[string]string{}
	for _, u := range page.Users {
		got[u.ID] = u.FirstName + " " + u.LastName
	}
	want := map[string]string{wachttest.SeedUserID: "Ada Lovelace", wachttest.SeedUser2ID: "Grace Hopper", wachttest.SeedUser3ID: "Alan Turing"}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("seeded user %s: got %q in %s", id, got[id], body)
		}
	}
}

func jsonError(t *testing.T, res *http.Response, body []byte, code string) {
	t.Helper()
	var e handler.ErrorBody
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &e) != nil {
		t.Fatalf("not a JSON error (%s): %q", res.Header.Get("Content-Type"), body)
	}
	if e.Error != code || e.RequestID == "" || e.Message == "" {
		t.Errorf("error body %+v, want code %q with a message and request id", e, code)
	}
}

// driveCalls executes every printed curl and checks the documented answer:
// the status in the comment, and for each kind of route what the README
// promises about the body.
func driveCalls(t *testing.T, d *devServer, wantPrefixes ...string) {
	t.Helper()
	vars, calls := parse(t, d.lines)
	if vars[varToken] == "" || vars[varAPIKey] != wachttest.SeedAPIKeySecret {
		t.Fatalf("exports %v", vars)
	}
	for _, p := range wantPrefixes {
		n := 0
		for _, c := range calls {
			if strings.Contains(c.curl, p+"/") {
				n++
			}
		}
		if n < 4 {
			t.Errorf("%d curls for %s, want the three functions and a failing call", n, p)
		}
	}
	for _, c := range calls {
		t.Run(c.title, func(t *testing.T) {
			req, err := request(c.curl, vars)
			if err != nil {
				t.Fatalf("%s: %v", c.curl, err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status {
				t.Fatalf("%s\nanswered %d %q, the printed comment promises %d", c.curl, res.StatusCode, body, c.status)
			}
			switch {
			case c.status == 200 && strings.Contains(c.title, "users"):
				seededUsers(t, body)
			case c.status == 401:
				jsonError(t, res, body, handler.CodeUnauthenticated)
			case c.status == 202 && strings.Contains(c.title, "agent run"):
				var run agentrun.Response
				if err := json.Unmarshal(body, &run); err != nil || run.ThreadID == "" || run.ActorID == "" || run.Status == "" {
					t.Errorf("agent run: %v %s", err, body)
				}
			case c.status == 400 && strings.Contains(c.title, "webhook"):
				jsonError(t, res, body, handler.CodeInvalidWebhook)
			case c.status == 204:
				if len(body) != 0 || res.Header.Get("Webhook-Id") == "" {
					t.Errorf("webhook delivery: body %q, Webhook-Id %q", body, res.Header.Get("Webhook-Id"))
				}
				// The receiver logged the event with its id (a function
				// under the emulator logs through a pipe: allow it to
				// arrive).
				id := res.Header.Get("Webhook-Id")
				for wait := 0; !strings.Contains(d.logs.String(), id) && wait < 100; wait++ {
					time.Sleep(50 * time.Millisecond)
				}
				if !strings.Contains(d.logs.String(), id) {
					t.Errorf("the receiver did not log delivery %s", id)
				}
			default:
				t.Errorf("no check for %q (%d): add one so the README stays true", c.title, c.status)
			}
		})
	}
}

// shellCurls pastes the printed exports and each printed curl into sh and
// runs the real curl, when both are installed, and checks the status codes
// the comments promise: the exact lines a reader copies.
func shellCurls(t *testing.T, d *devServer) {
	t.Helper()
	sh, err1 := exec.LookPath("sh")
	_, err2 := exec.LookPath("curl")
	if err1 != nil || err2 != nil {
		t.Log("sh or curl not installed: the printed lines were only run through net/http")
		return
	}
	var exports []string
	for _, l := range d.lines {
		if strings.HasPrefix(l, "export ") {
			exports = append(exports, l)
		}
	}
	_, calls := parse(t, d.lines)
	for _, c := range calls {
		script := strings.Join(exports, "\n") + "\n" + c.curl + ` -s -o /dev/null -w '%{http_code}'`
		out, err := exec.Command(sh, "-c", script).Output()
		if err != nil || string(out) != strconv.Itoa(c.status) {
			t.Errorf("in sh: %s\n-> %q (%v), want %d", c.curl, out, err, c.status)
		}
	}
}

func TestPrintedCurls(t *testing.T) {
	d := startDev(t, "-lambda", "adapter")
	if !strings.Contains(strings.Join(d.lines, "\n"), "served by platforms/lambda in process") {
		t.Errorf("the ready block does not say how the Lambda samples run:\n%s", strings.Join(d.lines, "\n"))
	}
	driveCalls(t, d, "/server", "/lambda", "/gcf")
	shellCurls(t, d)
	if strings.Contains(d.logs.String(), "contract violation") {
		t.Errorf("the samples broke the OpenAPI contract:\n%s", d.logs.String())
	}
}

// The same curls against the Lambda samples built as bootstraps and run
// under the AWS Lambda Runtime Interface Emulator, as make dev does on linux.
func TestPrintedCurlsUnderRIE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three bootstraps")
	}
	testtools.RIE(t) // skips, or fails under CI, when it is missing; dev finds it the same way
	d := startDev(t, "-lambda", "rie", "-gcf=false")
	if !strings.Contains(strings.Join(d.lines, "\n"), "under the AWS Lambda Runtime Interface Emulator") {
		t.Errorf("the ready block does not say how the Lambda samples run:\n%s", strings.Join(d.lines, "\n"))
	}
	driveCalls(t, d, "/server", "/lambda", "/netlify")
	shellCurls(t, d)
	d.stop(t)
	// Stopping dev stops the emulators: their output ends with the
	// emulator's own shutdown.
	if !strings.Contains(d.logs.String(), "[lambda/admin-users]") {
		t.Errorf("no output from the admin-users emulator:\n%s", d.logs.String())
	}
}

func TestJSONOutput(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-addr", "127.0.0.1:0", "-json", "-token-lifetime", "5m", "-lambda", "adapter", "-gcf=false"}, pw, io.Discard)
		pw.CloseWithError(errors.Join(err, io.EOF))
		done <- err
	}()
	var info readyInfo
	if err := json.NewDecoder(pr).Decode(&info); err != nil {
		cancel()
		t.Fatalf("decoding the JSON output: %v (%v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	if info.Token == "" || info.APIKey != wachttest.SeedAPIKeySecret || len(info.Calls) == 0 || info.Env[handler.EnvBackendAPIURL] == "" {
		t.Fatalf("JSON output %+v", info)
	}
	// Each call carries both the curl and its parts; they agree.
	vars := map[string]string{varToken: info.Token, varAPIKey: info.APIKey}
	for _, c := range info.Calls {
		req, err := request(c.Command, vars)
		if err != nil || req.Method != c.Method || req.URL.String() != c.URL {
			t.Errorf("%q: %v %v", c.Command, req, err)
		}
	}
	// /dev/token mints a fresh, working token.
	res, err := http.Get(info.URL + "/dev/token")
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || tok.Token == "" || tok.ExpiresIn != 300 {
		t.Fatalf("/dev/token: %+v %v", tok, err)
	}
	req, _ := http.NewRequest("GET", info.URL+"/server/admin/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("fresh token: %d", res.StatusCode)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "0.0.0.0:8787"},
		{"-addr", "192.0.2.1:8787"},
		{"-addr", "nonsense"},
		{"-lambda", "docker"},
		{"-token-lifetime", "-1s"},
		{"extra"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	t.Setenv(EnvAddr, "127.0.0.1:9999")
	o, err := parseFlags(nil, io.Discard)
	if err != nil || o.addr != "127.0.0.1:9999" || o.lambdaMode != "auto" || o.explicitLambda {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = parseFlags([]string{"-addr", "[::1]:0"}, io.Discard)
	if err != nil || o.addr != "[::1]:0" {
		t.Fatalf("%+v %v", o, err)
	}
}

func TestWebhookTarget(t *testing.T) {
	for to, want := range map[string]string{
		"/server/webhooks/wacht":                  "http://127.0.0.1:8787/server/webhooks/wacht",
		"http://127.0.0.1:8080/webhooks/wacht":    "http://127.0.0.1:8080/webhooks/wacht",
		"http://localhost:3000/api/webhook":       "http://localhost:3000/api/webhook",
		"":                                        "",
		"//evil.example/x":                        "",
		"https://example.com/webhooks":            "",
		"ftp://127.0.0.1/x":                       "",
		"http://127.0.0.1.example.com/webhooks/x": "",
	} {
		got, err := webhookTarget("http://127.0.0.1:8787", to)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: %q %v, want %q", to, got, err, want)
		}
	}
}

func TestShellWords(t *testing.T) {
	vars := map[string]string{"T": "tok en"}
	for in, want := range map[string][]string{
		`curl -i http://x/a -H "Authorization: Bearer $T"`: {"curl", "-i", "http://x/a", "-H", "Authorization: Bearer tok en"},
		`curl 'http://x/?a=1&b=2'`:                         {"curl", "http://x/?a=1&b=2"},
		`A='$T'`:                                           {"A=$T"},
	} {
		got, err := shellWords(in, vars)
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`curl http://x/?a=1&b=2`, `"open`, `'open`, `"$UNSET"`, `a; b`, `a$T`} {
		if _, err := shellWords(in, vars); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

// The Lambda routes dev serves are the ones template.yaml deploys, and every
// Lambda sample has a function in the template.
func TestTemplateAgrees(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := string(b)
	dirs, err := os.ReadDir(filepath.Join("..", "..", "samples", "lambda"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dirs {
		if d.IsDir() {
			names = append(names, d.Name())
		}
	}
	if strings.Join(names, ",") != strings.Join(lambdaFnNames(), ",") {
		t.Errorf("samples/lambda has %v, dev serves %v", names, lambdaFnNames())
	}
	for _, n := range names {
		if !strings.Contains(tmpl, "CodeUri: dist/lambda/"+n+"/") {
			t.Errorf("template.yaml has no function with CodeUri dist/lambda/%s/", n)
		}
	}
	for _, r := range templateRoutes {
		if !strings.Contains(tmpl, "Path: "+r.path+"\n            Method: "+r.method) {
			t.Errorf("template.yaml has no HttpApi event %s %s", r.method, r.path)
		}
	}
}

func TestRouteMatch(t *testing.T) {
	for _, tc := range []struct {
		method, path, want string
	}{
		{"GET", "/admin/users", "admin-users"},
		{"POST", "/admin/users", "admin-users"},
		{"GET", "/admin/users/1001", "admin-users"},
		{"GET", "/admin/usersx", ""},
		{"GET", "/machine/users", "machine-users"},
		{"GET", "/machine/", ""},
		{"POST", "/webhooks/wacht", "webhook-receiver"},
		{"GET", "/webhooks/wacht", ""},
		{"GET", "/", ""},
	} {
		got := ""
		for _, r := range templateRoutes {
			if r.match(tc.method, tc.path) {
				got = r.function
				break
			}
		}
		if got != tc.want {
			t.Errorf("%s %s -> %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
