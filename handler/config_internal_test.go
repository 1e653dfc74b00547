package handler

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
	"github.com/wacht-platform/serverless-go/wacht"
)

// variant returns a value of type t; a different seed gives a value the
// warm-cache key must tell apart. Pointers and funcs are fresh each call,
// and funcs come from one constructor (reflect.MakeFunc), as two clocks
// made by the same newClock() would.
func variant(t *testing.T, path string, typ reflect.Type, seed int) reflect.Value {
	t.Helper()
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		v.SetString(strings.Repeat("v", seed+1))
	case reflect.Bool:
		v.SetBool(seed%2 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed + 1))
	case reflect.Slice:
		switch typ.Elem().Kind() {
		case reflect.String:
			v.Set(reflect.ValueOf([]string{strings.Repeat("s", seed+1)}).Convert(typ))
		case reflect.Uint8:
			v.SetBytes([]byte(strings.Repeat("b", seed+1)))
		default:
			t.Fatalf("%s: slice of %s; teach this test and Config.fingerprint about it", path, typ.Elem())
		}
	case reflect.Map:
		if typ != reflect.TypeOf(http.Header{}) {
			t.Fatalf("%s: map type %s; teach this test and Config.fingerprint about it", path, typ)
		}
		v.Set(reflect.ValueOf(http.Header{"X-Variant": {strings.Repeat("h", seed+1)}}))
	case reflect.Pointer:
		switch typ {
		case reflect.TypeOf(&http.Client{}):
			v.Set(reflect.ValueOf(&http.Client{}))
		case reflect.TypeOf(&slog.Logger{}):
			v.Set(reflect.ValueOf(slog.New(slog.NewTextHandler(io.Discard, nil))))
		default:
			v.Set(reflect.New(typ.Elem()))
		}
	case reflect.Func:
		v.Set(reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
			out := make([]reflect.Value, typ.NumOut())
			for i := range out {
				out[i] = reflect.Zero(typ.Out(i))
			}
			return out
		}))
	default:
		t.Fatalf("%s: kind %s; teach this test and Config.fingerprint about it", path, typ.Kind())
	}
	return v
}

// leaves calls f with every settable non-struct field under v, depth first.
func leaves(t *testing.T, v reflect.Value, path string, f func(path string, field reflect.Value)) {
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		p := path + "." + sf.Name
		if !sf.IsExported() {
			t.Fatalf("%s is unexported; the warm-cache key cannot be proven to cover it", p)
		}
		if sf.Type.Kind() == reflect.Struct {
			leaves(t, v.Field(i), p, f)
			continue
		}
		f(p, v.Field(i))
	}
}

// TestWarmCacheKeyCoversEveryConfigField: two configurations that differ in
// any one field must not share a warm instance (a tenant would get another
// tenant's clients). Every field is found by reflection, so a field added
// to Config, wacht.Config, auth.VerifierConfig or auth.GatewayConfig
// without being keyed fails here.
func TestWarmCacheKeyCoversEveryConfigField(t *testing.T) {
	var base Config
	leaves(t, reflect.ValueOf(&base).Elem(), "Config", func(path string, field reflect.Value) {
		field.Set(variant(t, path, field.Type(), 0))
	})
	baseKey := base.fingerprint()
	if baseKey != base.fingerprint() {
		t.Fatal("the key of one Config is not stable")
	}
	n := 0
	leaves(t, reflect.ValueOf(&base).Elem(), "Config", func(path string, field reflect.Value) {
		n++
		old := reflect.New(field.Type()).Elem()
		old.Set(field)
		field.Set(variant(t, path, field.Type(), 1))
		if base.fingerprint() == baseKey {
			t.Errorf("changing %s leaves the warm-cache key unchanged; add it to Config.fingerprint", path)
		}
		field.Set(old)
	})
	if base.fingerprint() != baseKey {
		t.Fatal("restoring every field did not restore the key")
	}
	if n < 30 {
		t.Fatalf("walked only %d fields; the reflection walk is broken", n)
	}
}

type fixedClock struct{ at time.Time }

func (c *fixedClock) Now() time.Time { return c.at }

// TestWarmCacheKeepsDistinctClocksApart: two clocks made by one
// constructor are two configurations; the same clock is one.
func TestWarmCacheKeepsDistinctClocksApart(t *testing.T) {
	// Method values of one method share their code: (*fixedClock).Now-fm.
	a := Config{Verifier: auth.VerifierConfig{Now: (&fixedClock{at: time.Unix(1, 0)}).Now}}
	b := Config{Verifier: auth.VerifierConfig{Now: (&fixedClock{at: time.Unix(2, 0)}).Now}}
	if a.fingerprint() == b.fingerprint() {
		t.Fatal("two clocks from the same constructor share a warm-cache key")
	}
	c := a
	if a.fingerprint() != c.fingerprint() {
		t.Fatal("the same clock gives two warm-cache keys")
	}
}

// TestConfigComesOnlyFromTheKitsEnv: with an explicit Env, the gateway URL
// comes from that Env or is the documented default, never from the process
// environment behind the kit's back.
func TestConfigComesOnlyFromTheKitsEnv(t *testing.T) {
	t.Setenv(EnvGatewayURL, "https://process-env.invalid")
	gatewayOf := func(env map[string]string) string {
		t.Helper()
		k := New(Options{Env: func(name string) (string, bool) { v, ok := env[name]; return v, ok }})
		in, err := k.instanceFor(httptest.NewRequest("GET", "/", nil))
		if err != nil {
			t.Fatal(err)
		}
		g, err := in.Gateway()
		if err != nil {
			t.Fatal(err)
		}
		return g.URL()
	}
	if got := gatewayOf(map[string]string{}); !strings.HasPrefix(got, auth.DefaultGatewayURL+"/") {
		t.Errorf("gateway with %s unset in the kit's env: %s; want the default %s, not the process env", EnvGatewayURL, got, auth.DefaultGatewayURL)
	}
	if got := gatewayOf(map[string]string{EnvGatewayURL: "https://gw.example.test"}); !strings.HasPrefix(got, "https://gw.example.test/") {
		t.Errorf("gateway from the kit's env: %s", got)
	}
}

// handler.EnvAPIKey and EnvBackendAPIURL are the one exported name of
// settings wacht.ConfigFromEnv reads too: the two must agree.
func TestEnvNamesAreTheOnesWachtReads(t *testing.T) {
	env := map[string]string{EnvAPIKey: "sk_test_names", EnvBackendAPIURL: "https://backend.example"}
	c := wacht.ConfigFromEnv(func(n string) (string, bool) { v, ok := env[n]; return v, ok })
	if c.APIKey != "sk_test_names" || c.BaseURL != "https://backend.example" {
		t.Fatalf("wacht.ConfigFromEnv read other names: %+v", c.BaseURL)
	}
}
