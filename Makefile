# The few commands people type. Tools are built from the Go module proxy (or
# installed from npm) into .tools/ (git-ignored), so repeat runs are quick.

GO                    ?= go
SHELL                 := /bin/bash
TOOLS                 := $(CURDIR)/.tools
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT         := $(TOOLS)/golangci-lint-$(GOLANGCI_LINT_VERSION)
RIE_VERSION           := v0.0.0-20261030222936-bef5c4ba774d
RIE                   := $(TOOLS)/aws-lambda-rie
NETLIFY_CLI           := $(TOOLS)/netlify-cli/node_modules/.bin/netlify
WRANGLER              := $(TOOLS)/wrangler/node_modules/.bin/wrangler
# Every Go module of the repository: the kit at the root, and the modules that
# keep heavy dependencies (comparison libraries, Netlify's API client) or a
# platform's deploy layout (GCF and Netlify samples) out of the kit's graph.
MODULES               := $(shell git ls-files -- 'go.mod' '*/go.mod' | xargs -n1 dirname)
# How long `make fuzz` runs each fuzz target; `make test` runs each briefly.
FUZZTIME              ?= 30s
CI_FUZZTIME           ?= 3s

export AWS_LAMBDA_RIE := $(RIE)
# The contract validator (libopenapi) is a module of its own, run by the
# tests as a separate process; building it once here spares every test
# binary a `go run`.
VALIDATOR             := $(TOOLS)/contract-validator

.PHONY: test fmt-check vet lint unit validator fuzz-brief fuzz tools dev \
	build-lambda package deploy-lambda build-netlify deploy-netlify dev-netlify \
	build-workers bench-workers generate bench bench-quick

## test: gofmt check, go vet, golangci-lint, the race-enabled tests of every module and a brief fuzz of every target
test: fmt-check vet lint unit fuzz-brief

## dev: the sample functions behind the embedded Wacht emulator on 127.0.0.1:8787
dev:
	@echo "==> building cmd/dev (the first run downloads modules from the proxy)"
	@mkdir -p $(TOOLS)
	@$(GO) build -o $(TOOLS)/wacht-dev ./cmd/dev
	@exec $(TOOLS)/wacht-dev $(DEV_FLAGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

lint: $(GOLANGCI_LINT)
	@for m in $(MODULES); do echo "golangci-lint ($$m)"; (cd $$m && $(GOLANGCI_LINT) run ./...) || exit 1; done

unit: tools validator
	@for m in $(MODULES); do echo "go test -race ($$m)"; (cd $$m && WACHT_CONTRACT_VALIDATOR=$(VALIDATOR) $(GO) test -race -count=1 ./...) || exit 1; done

validator:
	@mkdir -p $(TOOLS)
	cd internal/contract/validator && $(GO) build -o $(VALIDATOR) ./cmd/contract-validator

fuzz-brief:
	FUZZTIME=$(CI_FUZZTIME) ./scripts/fuzz.sh

## fuzz: every fuzz target for FUZZTIME (default 30s) each
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

## generate: regenerate the backend API client from the OpenAPI document
generate:
	$(GO) generate ./wacht

tools: $(GOLANGCI_LINT) $(RIE) $(NETLIFY_CLI) $(WRANGLER)

$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS)
	@echo "building golangci-lint $(GOLANGCI_LINT_VERSION) from the module proxy (first run only)"
	GOBIN=$(TOOLS)/bin-lint $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS)/bin-lint/golangci-lint $@ && rmdir $(TOOLS)/bin-lint

$(RIE): scripts/install-rie.sh
	RIE_VERSION=$(RIE_VERSION) ./scripts/install-rie.sh

$(NETLIFY_CLI): scripts/install-netlify-cli.sh scripts/install-npm-tool.sh
	./scripts/install-netlify-cli.sh

$(WRANGLER): scripts/install-wrangler.sh scripts/install-npm-tool.sh
	./scripts/install-wrangler.sh

## build-lambda: every Lambda sample as dist/lambda/<name>/bootstrap (linux/arm64)
build-lambda:
	./scripts/build-lambda.sh

## package: build-lambda plus dist/lambda/<name>.zip
package:
	./scripts/build-lambda.sh --zip

## deploy-lambda: sam deploy of template.yaml (needs the AWS SAM CLI and credentials)
deploy-lambda: build-lambda
	sam deploy --template-file template.yaml --stack-name $${STACK_NAME:-wacht-serverless-go} --resolve-s3 \
		--capabilities CAPABILITY_IAM $${SAM_PARAMETER_OVERRIDES:+--parameter-overrides $$SAM_PARAMETER_OVERRIDES}

## build-netlify: every Netlify sample function as dist/netlify/functions/<name> (linux/amd64)
build-netlify:
	./scripts/build-netlify.sh

## deploy-netlify: upload samples/netlify/public and the functions (needs NETLIFY_AUTH_TOKEN, NETLIFY_SITE_ID)
deploy-netlify: build-netlify
	cd platforms/netlify/deploy && $(GO) build -o $(CURDIR)/bin/netlify-deploy ./cmd/netlify-deploy
	./bin/netlify-deploy -site "$${NETLIFY_SITE_ID}" -dir samples/netlify/public -functions dist/netlify/functions

## dev-netlify: the Netlify sample site under the real Netlify CLI, offline
dev-netlify: $(NETLIFY_CLI)
	cd samples/netlify && $(NETLIFY_CLI) dev --offline --internal-disable-edge-functions

## build-workers: the Cloudflare Workers samples (Go compiled to Wasm, one Go instance per isolate)
build-workers:
	./scripts/build-workers.sh

## bench-workers: kit vs a constant JavaScript Worker vs the per-request entry under wrangler dev; ends with one "workers-median-ms ..." line
bench-workers: $(WRANGLER)
	@out=$$(mktemp); \
	WACHT_BENCH_WORKERS=1 $(GO) test ./platforms/workers/ -run '^TestBenchWorkers$$' -count=1 -v -timeout 15m >"$$out" 2>&1; status=$$?; \
	grep -v '^workers-median-ms ' "$$out"; grep '^workers-median-ms ' "$$out" | tail -n 1; rm -f "$$out"; exit $$status

## bench: side-by-side measurements -> bench/RESULTS.md and bench/results.json
bench: $(RIE)
	cd bench && $(GO) run ./cmd/benchrun

## bench-quick: adapter and authentication ratios, one "ratio <metric> <anchor> <value>" line each
bench-quick:
	cd bench && $(GO) run ./cmd/benchrun -quick
