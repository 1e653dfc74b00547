package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code":401,"message":"Access Denied: Invalid Token"}`))
	}))
	defer api.Close()
	dir := t.TempDir()

	t.Setenv("NETLIFY_AUTH_TOKEN", "")
	t.Setenv("NETLIFY_SITE_ID", "")
	t.Setenv("NETLIFY_API_URL", "")
	if code := run([]string{"-bogus"}); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code := run([]string{"-site", "s", "extra"}); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
	if code := run([]string{"-site", "s", "-dir", dir, "-functions", "", "-api", api.URL}); code != 1 {
		t.Errorf("no token: exit %d, want 1", code)
	}
	t.Setenv("NETLIFY_AUTH_TOKEN", "nfp_bad")
	if code := run([]string{"-site", "s", "-dir", dir, "-functions", "", "-api", api.URL + "/api/v1"}); code != 1 {
		t.Errorf("rejected token: exit %d, want 1", code)
	}
}
