package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// Names of the shell variables the printed curls use.
const (
	varToken  = "WACHT_DEV_TOKEN"
	varAPIKey = "WACHT_DEV_API_KEY"
)

// call is one printed curl: what it shows and the answer to expect.
type call struct {
	Title   string   `json:"title"`
	Expect  int      `json:"expect_status"`
	Answer  string   `json:"expect"`
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Headers []string `json:"headers,omitempty"` // "Name: value", may name $WACHT_DEV_TOKEN / $WACHT_DEV_API_KEY
	Body    string   `json:"body,omitempty"`    // a JSON request body
	Command string   `json:"curl"`
}

type platformInfo struct {
	Prefix string `json:"prefix"`
	Sample string `json:"sample"`
	How    string `json:"how"`
	// Paths of the three functions under Prefix; empty when the platform
	// is not served (How says why).
	Admin, Machine, Webhook string `json:"-"`
}

// readyInfo is everything printed once the server is ready.
type readyInfo struct {
	URL       string            `json:"url"`
	Token     string            `json:"token"`
	APIKey    string            `json:"api_key"`
	Platforms []platformInfo    `json:"platforms"`
	Calls     []call            `json:"calls"`
	Env       map[string]string `json:"env"` // the emulator settings the functions read
	lifetime  string
}

func newReadyInfo(base, token string, o options, env map[string]string, gcfNote, netlifyNote string) *readyInfo {
	lambdaHow := "API Gateway HTTP API (payload 2.0) events, served by platforms/lambda in process"
	if o.lambdaMode == "rie" {
		lambdaHow = "API Gateway HTTP API (payload 2.0) events, served by the built bootstraps under the AWS Lambda Runtime Interface Emulator"
	}
	info := &readyInfo{
		URL:    base,
		Token:  token,
		APIKey: wachttest.SeedAPIKeySecret,
		Platforms: []platformInfo{
			{"/server", "samples/server", "plain net/http", "/admin/users", "/machine/users", "/webhooks/wacht"},
			{"/lambda", "samples/lambda/*", lambdaHow, "/admin/users", "/machine/users", "/webhooks/wacht"},
		},
		Env:      env,
		lifetime: o.tokenLifetime.String(),
	}
	if gcfNote == "" {
		info.Platforms = append(info.Platforms, platformInfo{"/gcf", "samples/gcf", "the Functions Framework (samples/gcf/cmd/local), one path per entry point",
			"/AdminUsers", "/MachineUsers", "/WebhookReceiver"})
	} else {
		info.Platforms = append(info.Platforms, platformInfo{Prefix: "/gcf", Sample: "samples/gcf", How: "not served: " + gcfNote})
	}
	if netlifyNote == "" {
		info.Platforms = append(info.Platforms, platformInfo{"/netlify", "samples/netlify", "Netlify-shaped events to each function under the Runtime Interface Emulator; /api/* rewritten to the api function",
			"/.netlify/functions/admin-users", "/api/machine/users", "/api/webhooks/wacht"})
	} else {
		info.Platforms = append(info.Platforms, platformInfo{Prefix: "/netlify", Sample: "samples/netlify", How: "not served: " + netlifyNote})
	}
	auth := "Authorization: Bearer $" + varToken
	key := "x-api-key: $" + varAPIKey
	for _, p := range info.Platforms {
		if p.Admin == "" {
			continue
		}
		name := strings.TrimPrefix(p.Prefix, "/")
		info.add(name+" admin-users", 200, "the seeded users as JSON", "GET", base+p.Prefix+p.Admin, auth)
		info.add(name+" admin-users without a token", 401, `{"error":"`+handler.CodeUnauthenticated+`",...}`, "GET", base+p.Prefix+p.Admin)
		info.add(name+" machine-users", 200, "the seeded users as JSON", "GET", base+p.Prefix+p.Machine, key)
		info.add(name+" webhook-receiver, signed delivery of user.created", 204, "no content; the function logs the event",
			"POST", base+"/dev/deliver-webhook?to="+p.Prefix+p.Webhook+"&type=user.created")
	}
	info.add("lambda webhook-receiver, unsigned", 400, `{"error":"`+handler.CodeInvalidWebhook+`",...}`, "POST", base+"/lambda/webhooks/wacht")
	info.addJSON("server agent run (samples/agentrun, package wacht/ai)", 202, `{"thread_id":...,"status":...}; the seeded agent answers "`+wachttest.SeedAgentReply+`"`,
		base+"/server/agents/"+wachttest.SeedAgentID+"/runs", `{"message":"What can you do?"}`, auth)
	return info
}

// addJSON adds a POST with a JSON body.
func (info *readyInfo) addJSON(title string, status int, answer, url, body string, headers ...string) {
	info.add(title, status, answer, "POST", url, append(headers, "Content-Type: application/json")...)
	c := &info.Calls[len(info.Calls)-1]
	c.Body = body
	c.Command += " -d '" + body + "'"
}

func (info *readyInfo) add(title string, status int, answer, method, url string, headers ...string) {
	c := call{Title: title, Expect: status, Answer: answer, Method: method, URL: url, Headers: headers}
	var b strings.Builder
	b.WriteString("curl -i")
	if method != "GET" {
		b.WriteString(" -X " + method)
	}
	if strings.ContainsAny(url, "?&") {
		b.WriteString(" '" + url + "'")
	} else {
		b.WriteString(" " + url)
	}
	for _, h := range headers {
		b.WriteString(` -H "` + h + `"`)
	}
	c.Command = b.String()
	info.Calls = append(info.Calls, c)
}

func (info *readyInfo) writeText(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("Wacht dev server ready: %s", info.URL)
	p("Every sample function on one port, against the offline Wacht emulator (seeded):")
	for _, pl := range info.Platforms {
		p("  %-10s %-17s %s", pl.Prefix+"/", pl.Sample, pl.How)
	}
	p("")
	p("1. In another shell, set the credentials: a session token for Ada Lovelace (user %s, organization %s, permission user:read, valid %s) and the seeded API key (user:read):",
		wachttest.SeedUserID, wachttest.SeedOrganizationID, info.lifetime)
	p("")
	p("export %s='%s'", varToken, info.Token)
	p("export %s='%s'", varAPIKey, info.APIKey)
	p("")
	p("2. Call the functions:")
	p("")
	for _, c := range info.Calls {
		p("# %s: expect %d, %s", c.Title, c.Expect, c.Answer)
		p("%s", c.Command)
	}
	p("")
	p("A fresh token: curl -s %s/dev/token", info.URL)
	p("Your own webhook receiver: curl -i -X POST '%s/dev/deliver-webhook?to=http://127.0.0.1:8080/webhooks/wacht&type=user.created'", info.URL)
	p("Your own function against this emulator (while it runs):")
	p("  export %s", envLine(info.Env))
	p("")
	p("Ctrl-C stops the server.")
}

func envLine(env map[string]string) string {
	names := []string{handler.EnvAPIKey, handler.EnvBackendAPIURL, handler.EnvPublishableKey, handler.EnvGatewayURL, handler.EnvWebhookSecret}
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+"='"+env[n]+"'")
	}
	return strings.Join(parts, " ")
}

func (info *readyInfo) writeJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(info)
}
