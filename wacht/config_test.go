package wacht

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestSecretRedaction prints a Config and a Client every way fmt, slog and
// encoding/json can, and checks the API key never shows.
func TestSecretRedaction(t *testing.T) {
	hdr := http.Header{}
	hdr.Set("X-Extra", "extra-header-value")
	cfg := Config{APIKey: testAPIKey, BaseURL: "https://api.wacht.dev", Header: hdr}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{"Config": cfg, "*Config": &cfg, "Client": *c, "*Client": c}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, testAPIKey) || strings.Contains(out, testAPIKey[8:20]) {
				t.Errorf("fmt %s of %s shows the key: %s", verb, name, out)
			}
			if strings.Contains(out, "extra-header-value") {
				t.Errorf("fmt %s of %s shows a header value: %s", verb, name, out)
			}
			if verb == "%v" && !strings.Contains(out, Redacted) {
				t.Errorf("fmt %s of %s does not say the key is Redacted: %s", verb, name, out)
			}
		}
		// Nested in other values, too.
		for _, out := range []string{fmt.Sprintf("%+v", []any{v}), fmt.Sprintf("%v", map[string]any{"x": v}), fmt.Sprint(v), fmt.Sprintln(v)} {
			if strings.Contains(out, testAPIKey) {
				t.Errorf("nested print of %s shows the key: %s", name, out)
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		if strings.Contains(buf.String(), testAPIKey) {
			t.Errorf("slog of %s shows the key: %s", name, buf.String())
		}
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), testAPIKey) {
		t.Errorf("json of Config shows the key: %s", data)
	}
	if got := fmt.Sprintf("%v", Config{}); strings.Contains(got, Redacted) {
		t.Errorf("an empty key prints as %s; it should look unset", got)
	}
}

// TestErrorsNeverCarryTheKey: even when a server echoes the Authorization
// header back, the error the caller sees does not contain the key.
func TestErrorsNeverCarryTheKey(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		msg := "bad token " + r.Header.Get("Authorization")
		body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": msg, "code": 401}}})
		writeJSON(w, 401, string(body))
	}, serverOptions{})
	c := newTestClient(t, ts, Config{})
	err := c.Users.Delete(context.Background(), "1001")
	if !IsUnauthorized(err) {
		t.Fatalf("error = %v, want unauthorized", err)
	}
	for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(out, testAPIKey) {
			t.Errorf("error shows the key: %s", out)
		}
	}
}

// A base URL that does not parse is refused without quoting it: it may
// carry a password.
func TestBaseURLErrorHoldsNoPassword(t *testing.T) {
	_, err := NewClient(Config{APIKey: "sk_test_x", BaseURL: "https://user:s3cr3t-pass@exa mple.com/%zz"})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "BaseURL" || strings.Contains(err.Error(), "s3cr3t-pass") {
		t.Fatalf("err = %v", err)
	}
}
