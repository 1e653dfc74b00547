module github.com/wacht-platform/serverless-go/samples/gcf

go 1.26.0

require (
	github.com/GoogleCloudPlatform/functions-framework-go v1.9.2
	github.com/cloudevents/sdk-go/v2 v2.16.2
	github.com/wacht-platform/serverless-go v0.0.0
)

require (
	cloud.google.com/go/functions v1.19.3 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
)

// The kit is not published yet: build against this checkout. Deploys upload
// only this folder, so `go mod vendor` must run before `gcloud functions
// deploy` (see README.md).
replace github.com/wacht-platform/serverless-go => ../..
