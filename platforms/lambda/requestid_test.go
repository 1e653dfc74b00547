package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/wacht-platform/serverless-go/handler"
)

// TestKitSeesLambdaRequestID runs every recorded HTTP event of aws-lambda-go
// through the adapter and kit.Handler, with no option: the kit's logs,
// X-Request-Id and context carry the invocation's Lambda request id, and,
// without a Lambda context, the event's requestContext.requestId.
func TestKitSeesLambdaRequestID(t *testing.T) {
	var logs bytes.Buffer
	kit := handler.New(handler.Options{
		Env:    func(string) (string, bool) { return "", false },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	var seen string
	h := NewHandler(kit.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = handler.RequestIDFromContext(r.Context())
		handler.LoggerFromContext(r.Context()).InfoContext(r.Context(), "served")
	})))

	check := func(t *testing.T, ctx context.Context, payload []byte, want string) {
		t.Helper()
		logs.Reset()
		seen = ""
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			t.Fatal(err)
		}
		if seen != want {
			t.Errorf("handler.RequestIDFromContext = %q, want %q", seen, want)
		}
		var rec struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(logs.Bytes(), &rec); err != nil || rec.Msg != "served" || rec.RequestID != want {
			t.Errorf("log %s: request_id %q, want %q (%v)", strings.TrimSpace(logs.String()), rec.RequestID, want, err)
		}
		var res struct {
			Headers           map[string]string   `json:"headers"`
			MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		got := res.Headers["X-Request-Id"]
		if v := res.MultiValueHeaders["X-Request-Id"]; len(v) > 0 {
			got = v[0]
		}
		if got != want {
			t.Errorf("X-Request-Id = %q, want %q", got, want)
		}
	}

	for _, s := range httpSamples {
		t.Run(s.file, func(t *testing.T) {
			payload := readSample(t, s.file)
			const lambdaID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: lambdaID})
			check(t, ctx, payload, lambdaID)

			// Invoked without a Lambda context (a test calling Invoke): the
			// gateway's request id, or a generated one when the event has none.
			var ev struct {
				RequestContext struct {
					RequestID string `json:"requestId"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal(payload, &ev); err != nil {
				t.Fatal(err)
			}
			if id := ev.RequestContext.RequestID; id != "" {
				check(t, context.Background(), payload, id)
			}
		})
	}
}
