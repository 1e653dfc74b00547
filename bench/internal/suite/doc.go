// Package suite holds the measurements behind bench/RESULTS.md: the
// contenders of each comparison, the inputs they all receive, and the
// machinery that times them, runs bootstraps under the AWS Lambda Runtime
// Interface Emulator and renders the report. cmd/benchrun drives it.
//
//   - Adapter cost: Scenarios (API Gateway v1 and v2 events: a GET with a
//     dozen headers and three query parameters, a POST with a 4 KiB JSON
//     body, a 64 KiB binary answer) through AdapterHandlers (the kit's
//     platforms/lambda, aws-lambda-go-api-proxy's httpadapter, algnhsa, and a
//     raw typed aws-lambda-go handler as the floor), all serving App.
//   - Authentication: AuthFixture (one ES256 key and token, a JWKS server on
//     127.0.0.1) and its contenders: the kit's Verifier.Authenticate, a bare
//     crypto/ecdsa floor, go-jose v4, golang-jwt v5, jwx v3 and
//     clerk-sdk-go v2.
//   - Interleave times contenders in alternating rounds by process CPU time
//     (steady on a shared machine), with allocations counted as testing
//     does.
//   - ColdStart, WarmInProcess, WarmUnderEmulator and Paginate measure the
//     admin-users sample against the wachttest emulator.
//
// The tests check that every contender answers the same input with the
// same output, so the comparisons are fair, and that the report's parsing
// and ratio code is right.
package suite
