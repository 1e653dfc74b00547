package workers

import (
	"net/http"
	"strings"
)

// headerText and parseHeaderText carry headers between Go and the entry
// (worker.mjs) in one string, each name and value followed by a newline:
// one crossing instead of one per header. Neither can hold a newline in a
// Headers object; a value Go holds with one is cut there, and a name with
// one (which no HTTP message can carry) is left out.
func headerText(h http.Header) string {
	var b strings.Builder
	for k, vs := range h {
		if k == "" || strings.ContainsAny(k, "\r\n") {
			continue
		}
		for _, v := range vs {
			if i := strings.IndexAny(v, "\r\n"); i >= 0 {
				v = v[:i]
			}
			b.WriteString(k)
			b.WriteByte('\n')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func parseHeaderText(s string) http.Header {
	h := http.Header{}
	for s != "" {
		k, rest, ok := strings.Cut(s, "\n")
		if !ok {
			break
		}
		v, rest2, _ := strings.Cut(rest, "\n")
		h.Add(k, v)
		s = rest2
	}
	return h
}
