// Package interop checks the kit against session tokens made by the same
// library, with the same calls, as Wacht's frontend API makes them
// (github.com/lestrrat-go/jwx/v3), on every platform's sample.
//
// It is a module of its own so that jwx, which only these tests need,
// never enters the module graph of the kit's users: the kit's go.mod does
// not require this module, and this module requires the kit through a
// replace directive pointing at the checkout. The Makefile's MODULES finds
// its go.mod, so make vet, lint and unit cover it.
package interop
