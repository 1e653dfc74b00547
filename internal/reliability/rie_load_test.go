package reliability_test

// A Lambda bootstrap (samples/lambda/admin-users, built as deployed) under the
// AWS Lambda Runtime Interface Emulator, invoked sequentially (the RIE takes
// one invoke at a time): zero errors and a flat resident set of the bootstrap
// process (VmRSS at 25% against 100%; goroutines cannot be counted from
// outside the process). RELIABILITY_LOAD=1 runs 20,000 invokes (about 2 ms each through the RIE's
// HTTP front and the runtime API); without it 500.
// Needs .tools/aws-lambda-rie (scripts/install-rie.sh) or AWS_LAMBDA_RIE;
// skipped when missing unless CI=true.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/testtools"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// processRSS returns the VmRSS (KiB) of the process running exe (the
// bootstrap the RIE started), or 0 when there is none.
func processRSS(exe string) int64 {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmdline, []byte(exe+"\x00")) {
			continue
		}
		status, err := os.ReadFile("/proc/" + d.Name() + "/status")
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				return n
			}
		}
	}
	return 0
}

func TestLoadRuntimeInterfaceEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("load run; skipped with -short")
	}
	n := 500
	if os.Getenv("RELIABILITY_LOAD") == "1" {
		n = 20000
	}
	bootstrap := testtools.BuildBootstrap(t, "../../samples/lambda/admin-users")
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	url, _ := testtools.StartRIE(t, bootstrap, "admin-users",
		"WACHT_API_KEY="+emu.APIKey, "WACHT_BACKEND_API_URL="+emu.BackendURL,
		"WACHT_PUBLISHABLE_KEY="+emu.PublishableKey, "NEXT_PUBLIC_WACHT_PUBLISHABLE_KEY=")
	tok, err := emu.MintToken(wachttest.TokenOptions{OrganizationID: wachttest.SeedOrganizationID, OrganizationPermissions: []string{"user:read"}, Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(map[string]any{"httpMethod": "GET", "path": "/admin/users",
		"headers": map[string]string{"Authorization": "Bearer " + tok}, "requestContext": map[string]any{"requestId": "rie-load"}})
	if err != nil {
		t.Fatal(err)
	}
	invoke := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		var out struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.StatusCode != http.StatusOK || !strings.Contains(out.Body, `"users"`) {
			return fmt.Errorf("invoke answered %d: %.300s", res.StatusCode, b)
		}
		return nil
	}
	for range 5 { // cold start and warm-up
		if err := invoke(); err != nil {
			t.Fatal(err)
		}
	}
	var rss25 int64
	start := time.Now()
	for i := range n {
		if i == n/4 {
			rss25 = processRSS(bootstrap)
		}
		if err := invoke(); err != nil {
			t.Fatalf("invoke %d of %d: %v", i, n, err)
		}
	}
	rss100 := processRSS(bootstrap)
	el := time.Since(start)
	t.Logf("%d sequential invokes under the RIE in %v (%.0f/s), 0 errors; bootstrap VmRSS %d KiB at 25%%, %d KiB at 100%%",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), rss25, rss100)
	if rss25 == 0 || rss100 == 0 {
		t.Fatal("the bootstrap process was not found under /proc")
	}
	if rss100 > rss25+rss25/2+8<<10 {
		t.Fatalf("bootstrap VmRSS grew from %d KiB to %d KiB", rss25, rss100)
	}
}
