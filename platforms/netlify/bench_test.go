package netlify

import (
	"context"
	"net/http"
	"testing"

	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// BenchmarkInvoke compares a Netlify event through this package with the
// same event through platforms/lambda alone: the difference is the cost of
// Netlify's additions (read by the lambda scanner in its single pass; what
// remains is applying rawUrl, the client address and the request id).
func BenchmarkInvoke(b *testing.B) {
	payload := netlifyEvent("GET", "/.netlify/functions/api/users/42", "tag=a&tag=b&q=1", map[string][]string{
		"host":                      {"example.netlify.app"},
		"accept":                    {"application/json"},
		"user-agent":                {"bench"},
		"x-nf-client-connection-ip": {"203.0.113.9"},
		"x-nf-request-id":           {"01HNFREQUESTID"},
	}, nil)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) })
	ctx := context.Background()
	b.Run("netlify", func(b *testing.B) {
		h := NewHandler(ok)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Invoke(ctx, payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lambda", func(b *testing.B) {
		h := lambda.NewHandler(ok)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Invoke(ctx, payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}
