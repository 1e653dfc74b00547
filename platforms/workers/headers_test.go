package workers

import (
	"net/http"
	"reflect"
	"testing"
)

func TestHeaderTextRoundTrip(t *testing.T) {
	h := http.Header{
		"Content-Type": {"application/json"},
		"Set-Cookie":   {"a=1; Path=/", "b=2"},
		"X-Empty":      {""},
		"X-Split":      {"kept\r\nInjected: yes"},
		"Bad\nName":    {"dropped"},
		"":             {"dropped"},
	}
	got := parseHeaderText(headerText(h))
	want := http.Header{
		"Content-Type": {"application/json"},
		"Set-Cookie":   {"a=1; Path=/", "b=2"},
		"X-Empty":      {""},
		"X-Split":      {"kept"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip = %q, want %q", got, want)
	}
}

func TestParseHeaderText(t *testing.T) {
	// As the entry writes them: lower-case names, a value per line.
	got := parseHeaderText("authorization\nBearer x\ncf-ray\n8a-SJC\naccept\n*/*, text/html\n")
	want := http.Header{"Authorization": {"Bearer x"}, "Cf-Ray": {"8a-SJC"}, "Accept": {"*/*, text/html"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if h := parseHeaderText(""); len(h) != 0 {
		t.Errorf("empty text: %q", h)
	}
	// A name without its value line (never written) is ignored.
	if h := parseHeaderText("x-a\n1\nx-b"); !reflect.DeepEqual(h, http.Header{"X-A": {"1"}}) {
		t.Errorf("truncated text: %q", h)
	}
}
