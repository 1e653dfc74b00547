# The few commands people type. Tools are built from the Go module proxy into
# .tools/ (git-ignored) so repeat runs are quick.

GO              ?= go
GOLANGCI_LINT_VERSION := v2.15.0
TOOLS           := $(CURDIR)/.tools
GOLANGCI_LINT   := $(TOOLS)/golangci-lint-$(GOLANGCI_LINT_VERSION)

.PHONY: test fmt-check vet lint unit tools

## test: gofmt check, go vet, golangci-lint and the race-enabled test suite
test: fmt-check vet lint unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

unit:
	$(GO) test -race -count=1 ./...

$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS)
	@echo "building golangci-lint $(GOLANGCI_LINT_VERSION) from the module proxy (first run only)"
	GOBIN=$(TOOLS)/bin-$(GOLANGCI_LINT_VERSION) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS)/bin-$(GOLANGCI_LINT_VERSION)/golangci-lint $@
	rmdir $(TOOLS)/bin-$(GOLANGCI_LINT_VERSION)

tools: $(GOLANGCI_LINT)
