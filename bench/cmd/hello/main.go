// Command hello is the bare aws-lambda-go function the cold-start and
// memory measurements compare the kit's admin-users bootstrap with: a typed
// API Gateway HTTP API (payload 2.0) handler answering a fixed greeting,
// with nothing else in the binary.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 200,
			Headers:    map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			Body:       "hello",
		}, nil
	})
}
