package workers

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wacht-platform/serverless-go/handler"
)

// Through the adapter and kit.Handler, with no option, the kit logs and
// answers with Cloudflare's ray id.
func TestKitSeesRayID(t *testing.T) {
	var logs bytes.Buffer
	kit := handler.New(handler.Options{
		Env:    func(string) (string, bool) { return "", false },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	var seen string
	h := adapt(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = handler.RequestIDFromContext(r.Context())
		handler.LoggerFromContext(r.Context()).InfoContext(r.Context(), "served")
	})))
	const ray = "8a1b2c3d4e5f6789-SJC"
	req := httptest.NewRequest(http.MethodGet, "/admin/users", nil)
	req.Header.Set("Cf-Ray", ray)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var line struct {
		Msg       string `json:"msg"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line.Msg != "served" || line.RequestID != ray {
		t.Errorf("log %s: request_id %q, want %q (%v)", logs.String(), line.RequestID, ray, err)
	}
	if seen != ray || rec.Header().Get("X-Request-Id") != ray {
		t.Errorf("request id %q, X-Request-Id %q; want %q", seen, rec.Header().Get("X-Request-Id"), ray)
	}
}
