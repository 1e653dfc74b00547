package suite

import (
	"testing"
)

// BenchmarkAdapter runs every adapter contender on every scenario, for
// go test -bench and profiling; cmd/benchrun interleaves the same
// operations for the reported figures.
func BenchmarkAdapter(b *testing.B) {
	ctx := InvokeContext()
	for _, s := range Scenarios() {
		hs := AdapterHandlers(s.Version)
		for _, name := range AdapterContenderNames {
			h := hs[name]
			b.Run(s.Name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := h.Invoke(ctx, s.Payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAuthenticate runs every authentication contender on the same
// token and key.
func BenchmarkAuthenticate(b *testing.B) {
	f, err := NewAuthFixture()
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	ops := f.AuthOps()
	for _, name := range AuthContenderNames {
		op := ops[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := op(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
