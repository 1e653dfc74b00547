// Command webhook-receiver is the AWS Lambda entry point of the webhook receiver: Standard Webhooks deliveries signed with WACHT_WEBHOOK_SECRET are logged and answered 204 (see
// samples/functions.WebhookReceiver).
//
// It serves API Gateway (REST and HTTP API), ALB and Function URL events
// through platforms/lambda. Build it as the custom runtime's bootstrap:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags "-s -w" -o dist/lambda/webhook-receiver/bootstrap ./samples/lambda/webhook-receiver
//
// (make build-lambda does this for every sample) and deploy it with the SAM
// template at the repository root (make deploy-lambda). The configuration
// comes from the function's environment: WACHT_API_KEY,
// WACHT_BACKEND_API_URL, WACHT_PUBLISHABLE_KEY, WACHT_GATEWAY_URL and
// WACHT_WEBHOOK_SECRET, as each function needs.
package main

import (
	"log/slog"
	"os"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
	"github.com/wacht-platform/serverless-go/samples/functions"
)

func main() {
	// CloudWatch keeps one record per line; JSON makes them queryable.
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	kit := handler.New(handler.Options{Logger: logger})
	lambda.Start(kit.Handler(functions.WebhookReceiver(kit)),
		lambda.WithLogger(logger))
}
