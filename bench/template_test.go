package bench

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/global"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// lambdaSamples are the Lambda samples: sources at samples/lambda/<name>,
// built by make build-lambda to dist/lambda/<name>/bootstrap.
var lambdaSamples = []string{"admin-users", "machine-users", "webhook-receiver"}

const repoRoot = ".."

func openTemplate(t *testing.T) *cloudformation.Template {
	t.Helper()
	// Parameters get placeholder values so intrinsics resolve the way
	// CloudFormation would resolve them at deploy time.
	tmpl, err := goformation.OpenWithOptions(filepath.Join(repoRoot, "template.yaml"), &intrinsics.ProcessorOptions{
		ParameterOverrides: map[string]any{
			"WachtApiKeySecretArn":  "arn:aws:secretsmanager:us-east-1:123456789012:secret:wacht-api-key-AbCdEf",
			"WachtWebhookSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:wacht-webhook-AbCdEf",
			"WachtPublishableKey":   "pk_test_aHR0cHM6Ly9mYXBpLmV4YW1wbGUud2FjaHQuZGV2",
		},
	})
	if err != nil {
		t.Fatalf("parsing template.yaml: %v", err)
	}
	return tmpl
}

// TestTemplateMatchesBuildLayout checks every function in template.yaml
// against the layout make build-lambda produces.
func TestTemplateMatchesBuildLayout(t *testing.T) {
	tmpl := openTemplate(t)
	if tmpl.Transform == nil || tmpl.Transform.String == nil || *tmpl.Transform.String != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform = %+v, want AWS::Serverless-2016-10-31", tmpl.Transform)
	}
	fns := tmpl.GetAllServerlessFunctionResources()
	var names []string
	for id, fn := range fns {
		if fn.CodeUri == nil || fn.CodeUri.String == nil {
			t.Errorf("%s: CodeUri must be a local build folder", id)
			continue
		}
		uri := strings.TrimSuffix(*fn.CodeUri.String, "/")
		name, ok := strings.CutPrefix(uri, "dist/lambda/")
		if !ok || strings.Contains(name, "/") || !slices.Contains(lambdaSamples, name) {
			t.Errorf("%s: CodeUri %q is not dist/lambda/<sample>/ for a known sample %v", id, *fn.CodeUri.String, lambdaSamples)
			continue
		}
		names = append(names, name)
		if fn.Handler == nil || *fn.Handler != "bootstrap" {
			t.Errorf("%s: Handler = %v, want bootstrap", id, fn.Handler)
		}
		if fn.Runtime == nil || *fn.Runtime != "provided.al2023" {
			t.Errorf("%s: Runtime = %v, want provided.al2023", id, fn.Runtime)
		}
		if !slices.Equal(fn.Architectures, []string{"arm64"}) {
			t.Errorf("%s: Architectures = %v, want [arm64]", id, fn.Architectures)
		}
		if fn.FunctionUrlConfig == nil || fn.FunctionUrlConfig.AuthType == "" {
			t.Errorf("%s: no Function URL", id)
		}
		httpAPI := 0
		for ename, ev := range fn.Events {
			if ev.Type == "HttpApi" {
				httpAPI++
				continue
			}
			t.Errorf("%s: event %s has type %s; the samples serve HTTP API and Function URL only", id, ename, ev.Type)
		}
		if httpAPI == 0 {
			t.Errorf("%s: no HttpApi event", id)
		}
		if fn.Environment != nil {
			for k, v := range fn.Environment.Variables {
				if strings.HasPrefix(v, "sk_") || strings.HasPrefix(v, "whsec_") {
					t.Errorf("%s: %s holds a plaintext secret", id, k)
				}
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, lambdaSamples) {
		t.Errorf("functions cover samples %v, want exactly %v", names, lambdaSamples)
	}
}

// TestTemplateSecretsAreReferences checks that the API key and webhook
// secret come from Secrets Manager dynamic references, never plaintext.
func TestTemplateSecretsAreReferences(t *testing.T) {
	tmpl := openTemplate(t)
	g, ok := tmpl.Globals["Function"].(*global.Function)
	if !ok || g.Environment == nil {
		t.Fatalf("Globals.Function.Environment missing (%T)", tmpl.Globals["Function"])
	}
	envs := []map[string]string{g.Environment.Variables}
	for _, fn := range tmpl.GetAllServerlessFunctionResources() {
		if fn.Environment != nil {
			envs = append(envs, fn.Environment.Variables)
		}
	}
	found := map[string]bool{}
	for _, env := range envs {
		for _, k := range []string{"WACHT_API_KEY", "WACHT_WEBHOOK_SECRET"} {
			v, ok := env[k]
			if !ok {
				continue
			}
			found[k] = true
			if !strings.HasPrefix(v, "{{resolve:secretsmanager:arn:aws:secretsmanager:") || !strings.HasSuffix(v, ":SecretString}}") {
				t.Errorf("%s = %q, want a {{resolve:secretsmanager:<arn>:SecretString}} reference", k, v)
			}
		}
	}
	for _, k := range []string{"WACHT_API_KEY", "WACHT_WEBHOOK_SECRET"} {
		if !found[k] {
			t.Errorf("%s is not configured", k)
		}
	}
}

// TestSamplesBuildToTemplateLayout builds each sample exactly as
// make build-lambda does and checks the artifact the template points at.
func TestSamplesBuildToTemplateLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda samples")
	}
	dist := t.TempDir()
	for _, name := range lambdaSamples {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(repoRoot, "samples", "lambda", name)
			if _, err := os.Stat(src); err != nil {
				t.Skipf("%s does not exist yet", src)
			}
			out := filepath.Join(dist, "lambda", name, "bootstrap")
			cmd := exec.Command("go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", out, "./samples/lambda/"+name)
			cmd.Dir = repoRoot
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, b)
			}
			f, err := elf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
				t.Errorf("bootstrap is %v %v, want an arm64 executable", f.Machine, f.Type)
			}
			if syms, _ := f.Symbols(); len(syms) > 0 {
				t.Error("bootstrap is not stripped")
			}
		})
	}
}
