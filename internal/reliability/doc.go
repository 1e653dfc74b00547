// Package reliability holds the kit's fault, load, secrets and bad-input
// suites (issue 11). It has no code of its own: the tests drive the real
// stack (handler.Kit, samples/functions, platforms/lambda and
// platforms/gcf) over real HTTP against the wachttest emulator, with faults
// injected by the emulator.
//
// The big load runs (20,000 requests each) run only when
// RELIABILITY_LOAD=1 is set; without it each load test serves a bounded
// 2,000 requests (the RIE run 20,000 sequential invokes, else 500) so
// `go test ./...` stays quick. The fuzz targets live
// next to the code they exercise; scripts/fuzz.sh runs them all.
package reliability
