module github.com/wacht-platform/serverless-go/samples/netlify/functions/sync-background

go 1.26.0

require github.com/wacht-platform/serverless-go v0.0.0

require (
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
)

// Local runs (netlify functions:serve / netlify dev) and make build-netlify
// build this function against the repository's kit. A copy outside this
// repository drops the replace and requires a released version.
replace github.com/wacht-platform/serverless-go => ../../../..
