// Package bench holds the measurements and cross-checks that need modules
// the kit itself must not depend on. It is a separate Go module
// (github.com/wacht-platform/serverless-go/bench) so that
// aws-lambda-go-api-proxy (and with it gin, fiber, echo, ...) and
// goformation never enter the kit's go.mod.
//
//   - BenchmarkAdapter*: platforms/lambda against aws-lambda-go-api-proxy's
//     httpadapter and against a raw typed aws-lambda-go handler (the floor:
//     aws-lambda-go's own JSON decoding and encoding of the event types),
//     on aws-lambda-go's API Gateway v1 and v2 sample events:
//
//     cd bench && go test -run '^$' -bench Adapter -benchmem -count 5 .
//
//   - TestDifferentialAgainstAPIProxy: every HTTP sample event shipped in
//     aws-lambda-go's events/testdata through both adapters; each intended
//     difference is listed, with its reason, in the test's table and in
//     platforms/lambda's package documentation.
//
//   - TestTemplate*: template.yaml parsed with goformation and checked
//     against the layout make build-lambda produces
//     (dist/lambda/<sample>/bootstrap, provided.al2023, arm64).
package bench
