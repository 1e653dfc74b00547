package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsCurrent fails when the committed files of package wacht
// differ from what the generator makes of the committed spec: run
// go generate ./wacht after changing the spec or the generator.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	files, err := generate("../../../internal/contract/platform-api.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("generated only %d files", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("../..", name))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./wacht)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate ./wacht", name)
		}
	}
}

func TestWords(t *testing.T) {
	tests := map[string]string{
		"user_id":               "UserID",
		"ApiAuthApp":            "APIAuthApp",
		"oauth_client_id":       "OAuthClientID",
		"DeploymentB2bSettings": "DeploymentB2BSettings",
		"p50_response_time_ms":  "P50ResponseTimeMs",
		"x5t#S256":              "X5TS256",
		"APIKey":                "APIKey",
		"ByIds":                 "ByIDs",
	}
	for in, want := range tests {
		if got := exported(in); got != want {
			t.Errorf("exported(%q) = %q, want %q", in, got, want)
		}
	}
}
