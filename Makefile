# The binary is built exactly as the Dockerfile builds it.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.dateBuilt=$(DATE)
BIN     := bin/revel-connect

# Example configs read these when linted.
LINT_ENV := REVEL_SUBDOMAIN=acme REVEL_API_KEY=key REVEL_API_SECRET=secret CALLBACK_URL=https://example.com/hook

.PHONY: bench bench-scale build test lint-configs fmt-check vet docs

build:
	CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/revel-connect

fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The benthos_full build differs only by cmd/revel-connect/components_full.go.
vet:
	go vet ./...
	go vet -tags benthos_full ./cmd/revel-connect

lint-configs: build
	$(LINT_ENV) $(BIN) lint config/*.yaml

# The end-to-end tests of cmd/revel-connect run this very binary (the demo,
# the simulator, lint of the printed pipeline) instead of building their own.
test: fmt-check vet lint-configs
	REVEL_CONNECT_BIN=$(CURDIR)/$(BIN) go test -count=1 ./...

# Regenerates docs/reference from the components' config specs.
docs:
	go run ./cmd/revel-connect docs

# Throughput and memory of revel_poller against a plain Benthos pipeline and
# a no-Benthos floor (docs/performance.md); several minutes.
bench:
	go run ./cmd/revel-bench throughput -n 100000,1000000

# CPU and memory with hundreds of tenants in streams mode.
bench-scale:
	go run ./cmd/revel-bench scale -tenants 100,500
