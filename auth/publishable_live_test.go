package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/wacht"
)

// TestLivePublishableKeyRequiresHTTPS: a production (pk_live_) key that
// names a plain-http frontend is refused with an error that says why and
// does not repeat the key; pk_test_ keys keep http for local development
// (the emulator's keys are pk_test_ over http://127.0.0.1).
func TestLivePublishableKeyRequiresHTTPS(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, frontend := range []string{"http://fapi.example.com", "http://10.0.0.8:8080", "HTTP://fapi.example.com"} {
		key := "pk_live_" + enc(frontend)
		got, err := FrontendAPIURL(key)
		var pe *PublishableKeyError
		if !errors.As(err, &pe) {
			t.Errorf("FrontendAPIURL(pk_live_ %s) = %q, %v; want *PublishableKeyError", frontend, got, err)
			continue
		}
		if !strings.Contains(pe.Problem, "https") || !strings.Contains(pe.Problem, "pk_live_") {
			t.Errorf("problem %q does not say that pk_live_ keys need https", pe.Problem)
		}
		if strings.Contains(err.Error(), enc(frontend)) || strings.Contains(err.Error(), frontend) {
			t.Errorf("error repeats the key or its URL: %v", err)
		}
		_, err = NewVerifier(VerifierConfig{PublishableKey: key})
		var ce *wacht.ConfigError
		if !errors.As(err, &ce) || ce.Field != "PublishableKey" || !errors.As(err, &pe) {
			t.Errorf("NewVerifier with pk_live_ %s: %v; want a wacht.ConfigError on PublishableKey", frontend, err)
		}
	}
	if got, err := FrontendAPIURL("pk_live_" + enc("https://frontend.example.com")); err != nil || got != "https://frontend.example.com" {
		t.Errorf("https pk_live_ key: %q, %v", got, err)
	}
	// Loopback is the exception: nothing off this machine can answer for
	// it (the emulator's production mode).
	if got, err := FrontendAPIURL("pk_live_" + enc("http://127.0.0.1:8080")); err != nil || got != "http://127.0.0.1:8080" {
		t.Errorf("http pk_live_ key on loopback: %q, %v", got, err)
	}
	if got, err := FrontendAPIURL("pk_test_" + enc("http://127.0.0.1:8080")); err != nil || got != "http://127.0.0.1:8080" {
		t.Errorf("http pk_test_ key (local development): %q, %v", got, err)
	}
}
