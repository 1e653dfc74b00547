package corrections

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite AUDIT.md from the JSON files")

// TestAuditTableIsCurrent keeps AUDIT.md, the audit a person reads, equal to
// the JSON files the kit loads.
func TestAuditTableIsCurrent(t *testing.T) {
	set, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := set.Table()
	if *update {
		if err := os.WriteFile("AUDIT.md", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("AUDIT.md")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatal("AUDIT.md is out of date: go test ./internal/contract/corrections -update")
	}
}
