# shindan — see README.md. Every target runs on a fresh Debian machine as root.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO      ?= go
LAB     := testdata/lab/lab
SDN_LAB ?= a
export SDN_LAB
SCAN_NS := sdn-$(SDN_LAB)-scan
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# DOCS_URL: where this repository's main branch is browsed (e.g.
# https://github.com/ORG/shindan/blob/main/); SARIF rules then link to their
# check's section of docs/checks.md. Empty: SARIF rules carry no helpUri.
DOCS_URL ?=
LDFLAGS := -s -w -X main.version=$(VERSION) -X shindan/reports/sarifreport.DocsRepo=$(DOCS_URL)
FUZZTIME ?= 20s

.PHONY: all build test-nuclei test unit lab-up lab-down demo bench lint fuzz deps clean

all: build

## build: the shindan binary in bin/ and beside it shindan-nuclei, the
## child process that runs vuln.nuclei's templates (shindan does not link
## nuclei; it finds the child next to itself, in $SHINDAN_NUCLEI or in PATH)
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/shindan ./cmd/shindan
	$(GO) build -trimpath -ldflags '-s -w' -o bin/shindan-nuclei ./cmd/shindan-nuclei

# The tests' vuln.nuclei child, built once for every package that needs it
# (scanners/nucleiproc/nucleitest); without -trimpath, so it shares the
# build cache with go test's own compile of nuclei.
TEST_NUCLEI := $(CURDIR)/out/test/shindan-nuclei
test-nuclei:
	$(GO) build -o $(TEST_NUCLEI) ./cmd/shindan-nuclei

## deps: Go modules and the lab's Debian packages (idempotent)
deps:
	$(GO) mod download
	$(LAB) install

## test: every test — unit, fuzz seeds and the integration tests against the
## real-server lab — in one go test run inside the scanner namespace.
test: deps lint test-nuclei
	$(LAB) up
	set -o pipefail; rc=0; \
	ip netns exec $(SCAN_NS) env GOPROXY=off GOFLAGS=-mod=readonly SHINDAN_REQUIRE_LAB=1 SHINDAN_NUCLEI=$(TEST_NUCLEI) \
		$(GO) test -tags netlab -count=1 -timeout 40m ./... || rc=$$?; \
	$(LAB) down; exit $$rc

## unit: the tests that need no lab (no root)
unit: test-nuclei
	SHINDAN_NUCLEI=$(TEST_NUCLEI) $(GO) test ./...

lab-up: deps
	$(LAB) up

lab-down:
	$(LAB) down

## demo: bring up the lab, scan it with the external profile, write
## out/demo/report.json and report.html, tear the lab down (KEEP_LAB=1 keeps it).
demo: deps build
	$(LAB) up
	rc=0; testdata/lab/demo.sh || rc=$$?; \
	[ -n "$$KEEP_LAB" ] || $(LAB) down; exit $$rc

## bench: shindan side by side with nmap, masscan, testssl.sh, sslscan and
## zonemaster-cli on the lab; each script prints its ratios (see bench/*/RESULTS.md)
BENCHES := bench/portscan/connect.sh bench/portscan/syn.sh bench/tls/compare.sh bench/tls/bench.sh \
	bench/dns/compare.sh bench/mail/compare.sh bench/web/compare.sh bench/store/bench.sh
bench: deps build
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends nmap masscan testssl.sh sslscan zonemaster-cli bc python3 dnsutils
	$(LAB) up
	rc=0; for b in $(BENCHES); do echo "== $$b"; ip netns exec $(SCAN_NS) "$$b" || rc=$$?; done; \
	$(LAB) down; exit $$rc

## lint: gofmt, go vet with and without the netlab tag, a tidy go.mod, and
## the fuzz-coverage rule (every parser of untrusted bytes has a Fuzz target,
## internal/archtest TestFuzzCoverage). Part of make test.
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags netlab ./...
	$(GO) mod tidy -diff
	$(GO) test -count=1 -run '^TestFuzzCoverage$$' ./internal/archtest

## fuzz: run every Fuzz target for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin out
