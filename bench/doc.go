// Package bench holds the measurements and cross-checks that need modules
// the kit itself must not depend on. It is a separate Go module
// (github.com/wacht-platform/serverless-go/bench) so that
// aws-lambda-go-api-proxy (and with it gin, fiber, echo, ...), algnhsa, the
// JWT libraries the verifier is compared with, and goformation never enter
// the kit's go.mod.
//
//   - cmd/benchrun (make bench) measures, in one run on one machine, the
//     adapter cost per invocation against aws-lambda-go-api-proxy, algnhsa
//     and a raw aws-lambda-go floor; warm ES256 authentication against a
//     crypto/ecdsa floor, go-jose, golang-jwt, jwx and clerk-sdk-go; cold
//     starts and binary sizes under the Lambda Runtime Interface Emulator
//     against a bare aws-lambda-go hello (cmd/hello); warm reuse (client
//     builds, JWKS fetches, backend connections, peak RSS); and pagination
//     memory. It writes RESULTS.md and results.json here. With -quick (make
//     bench-quick) it prints only the adapter and authentication ratios, one
//     "ratio <metric> <anchor> <value>" line each. The contenders and
//     machinery live in internal/suite; its tests check that every
//     contender gives the same answer for the same input.
//
//   - BenchmarkAdapter*: platforms/lambda against aws-lambda-go-api-proxy's
//     httpadapter and against a raw typed aws-lambda-go handler, on
//     aws-lambda-go's own API Gateway v1 and v2 sample events:
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
