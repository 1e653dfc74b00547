# The few commands people type. Tools are built from the Go module proxy into
# .tools/ (git-ignored), so repeat runs are quick.

GO                    ?= go
TOOLS                 := $(CURDIR)/.tools
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT         := $(TOOLS)/golangci-lint-$(GOLANGCI_LINT_VERSION)
RIE_VERSION           := v0.0.0-20261030222936-bef5c4ba774d
RIE                   := $(TOOLS)/aws-lambda-rie
# Go modules in this repository. The kit is the root module; the others keep
# their heavy dependencies (comparison libraries, deploy clients) out of the
# kit's module graph.
MODULES               := . bench

export AWS_LAMBDA_RIE := $(RIE)

.PHONY: test fmt-check vet lint unit tools dev build-lambda package deploy-lambda

## dev: the sample functions behind the embedded Wacht emulator on 127.0.0.1:8787
dev:
	$(GO) run ./cmd/dev

## test: gofmt check, go vet, golangci-lint and the race-enabled tests of every module
test: fmt-check vet lint unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

lint: $(GOLANGCI_LINT)
	@for m in $(MODULES); do echo "golangci-lint ($$m)"; (cd $$m && $(GOLANGCI_LINT) run ./...) || exit 1; done

unit: tools
	@for m in $(MODULES); do echo "go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

tools: $(GOLANGCI_LINT) $(RIE)

$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS)
	@echo "building golangci-lint $(GOLANGCI_LINT_VERSION) from the module proxy (first run only)"
	GOBIN=$(TOOLS)/bin-lint $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS)/bin-lint/golangci-lint $@ && rmdir $(TOOLS)/bin-lint

$(RIE): scripts/install-rie.sh
	RIE_VERSION=$(RIE_VERSION) ./scripts/install-rie.sh

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
