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

.PHONY: test fmt-check vet lint unit tools

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

$(RIE):
	@mkdir -p $(TOOLS)
	@echo "building the AWS Lambda Runtime Interface Emulator from the module proxy (first run only)"
	GOBIN=$(TOOLS) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)
