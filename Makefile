# Task front for libsigil. CMake builds everything; each binding uses its own
# ecosystem's tool on top of the built library.
BUILD    ?= build
PREFIX   ?= /usr/local
PYTHON   ?= python3
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=

# What building the library needs (make install), then what the tests, the
# sanitizers, fuzzing and formatting need on top (make deps).
LIB_APT_PACKAGES := build-essential cmake ninja-build pkg-config libcurl4-openssl-dev nanopb libnanopb-dev \
	protobuf-compiler python3-protobuf libcjson-dev libsimdjson-dev libre2-dev
TEST_APT_PACKAGES := libprotobuf-dev libgtest-dev libbenchmark-dev openssl \
	clang libclang-rt-14-dev clang-format chromium
APT_PACKAGES := $(LIB_APT_PACKAGES) $(TEST_APT_PACKAGES)

.PHONY: wheel test-wheel node-pack test-packages format lint all deps deps-lib deps-apt deps-python deps-frameworks deps-strands deps-rust deps-go build bench bench-wal test test-unit test-integration test-cli test-python test-frameworks test-strands test-go bench-go test-rust bench-rust test-node test-compat test-collector test-sanitize fuzz conformance demo install test-install clean

all: build

# Idempotent: installs only what is missing.
deps: deps-apt deps-python deps-rust deps-go

# Idempotent: apt-get runs only for packages that are missing.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

# The library's build dependencies only (make install).
deps-lib:
	$(call apt_install,$(LIB_APT_PACKAGES))

deps-apt:
	$(call apt_install,$(APT_PACKAGES))

deps-python:
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r conformance/requirements.txt \
	  -r bindings/python/requirements-providers.txt -r bindings/python/requirements-otel.txt \
	  -r tools/requirements-test.txt -r bindings/python/requirements-packaging.txt

# The agent frameworks of the framework tier (heavy, so apart from deps-python); pip
# skips what is already installed at the pinned versions.
deps-frameworks:
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r bindings/python/requirements-providers.txt \
	  -r bindings/python/requirements-frameworks.txt

# Strands Agents pins watchdog where google-adk pins another, so its tier gets a venv of its own
# under $(BUILD), made once and reinstalled only when its requirements change (the stamp file).
STRANDS_VENV = $(BUILD)/venv-strands
$(STRANDS_VENV)/.installed: bindings/python/requirements-strands.txt conformance/requirements.txt
	$(PYTHON) -m venv $(STRANDS_VENV)
	$(STRANDS_VENV)/bin/python -m pip install -q --disable-pip-version-check -r bindings/python/requirements-strands.txt
	touch $@

deps-strands: $(STRANDS_VENV)/.installed

deps-rust:
	@cd bindings/rust && cargo fetch --locked --quiet

# The Go provider packages and the examples need their SDK modules (go.sum pins them).
deps-go:
	@for m in $(GO_PROVIDER_MODULES) $(GO_OTEL_MODULE) examples/go; do (cd $$m && $(GO) mod download) || exit 1; done

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Bindings run against the library in $(BUILD), not an installed copy.
PY_SIGIL_ENV = SIGIL_LIBRARY=$(abspath $(BUILD))/libsigil.so PYTHONPATH=$(CURDIR)/bindings/python

# Tiers in order: C/C++ (unit, ABI, integration, examples), the harness, each
# binding, then the cross-language conformance suite.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -LE conformance
	$(MAKE) --no-print-directory test-install
	$(PYTHON) -m pytest -q -p no:cacheprovider conformance/harness
	$(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests
	$(MAKE) --no-print-directory test-cli
	$(MAKE) --no-print-directory test-wheel
	$(MAKE) --no-print-directory test-frameworks
	$(MAKE) --no-print-directory test-strands
	$(MAKE) --no-print-directory test-go
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-node
	$(MAKE) --no-print-directory test-packages
	$(MAKE) --no-print-directory test-compat
	$(MAKE) --no-print-directory conformance

# A real OpenTelemetry Collector (tests/collector: main.go over pinned modules,
# go.sum) between the engine's OTLP export and the capture harness. Opt-in: its
# first build downloads and compiles the collector's modules (figures in
# tests/collector/README.md); later builds come from GOCACHE.
COLLECTOR_BIN = $(abspath $(BUILD))/sigil-test-collector
test-collector: build
	cd tests/collector && $(GO) build -o $(COLLECTOR_BIN) .
	SIGIL_TEST_COLLECTOR=$(COLLECTOR_BIN) $(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider tests/collector

# The sigil command (tools/sigil_cli) run as users run it, over the library in $(BUILD):
# `sigil receive` against the real libsigil over gRPC, HTTP and OTLP and its web page in
# headless Chromium (screenshots in $(BUILD)/receive-web); doctor, send and spool against
# the capture harness.
test-cli: build
	$(PY_SIGIL_ENV) SIGIL_BUILD_DIR=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider tools/tests

# The Python package as a self-contained platform wheel: build_wheel.py bundles
# $(BUILD)/libsigil.so and has auditwheel vendor what it links beyond the
# manylinux base, stripped, into $(WHEEL_DIR). Rebuilt only when the library or
# the package's files change.
WHEEL_WORK = $(abspath $(BUILD))/wheel
WHEEL_DIR  = $(WHEEL_WORK)/dist
PY_PACKAGE_FILES := $(shell git ls-files bindings/python/pyproject.toml bindings/python/setup.py \
	bindings/python/README.md bindings/python/build_wheel.py 'bindings/python/sigil_sdk*' tools/sigil_cli 2>/dev/null)
$(WHEEL_WORK)/stamp: $(BUILD)/libsigil.so $(PY_PACKAGE_FILES)
	$(PYTHON) bindings/python/build_wheel.py --library $(BUILD)/libsigil.so --out $(WHEEL_WORK)
	@touch $@

wheel: build
	@$(MAKE) --no-print-directory $(WHEEL_WORK)/stamp

# The wheel installed from its file into a clean venv, used with nothing of the
# build tree or the sources in sight.
test-wheel: wheel
	SIGIL_WHEEL_DIR=$(WHEEL_DIR) $(PYTHON) -m pytest -q -p no:cacheprovider tests/packaging/test_wheel.py

test-python: build
	$(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests

# Framework handlers against the real frameworks (LangChain, LangGraph, OpenAI Agents, LlamaIndex, Google ADK, LiteLLM, Pydantic AI) and the fake provider on
# loopback. Its own tier because the frameworks are heavy installs; a test module whose
# framework is missing skips, saying so.
test-frameworks: build deps-frameworks
	$(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests_frameworks

# The Strands Agents handler against the real Strands (its OpenAIModel on the real openai client) and
# the fake provider on loopback, in the tier's own venv (deps-strands).
test-strands: build deps-strands
	$(PY_SIGIL_ENV) $(STRANDS_VENV)/bin/python -m pytest -q -p no:cacheprovider bindings/python/tests_strands

GO ?= go
GO_SIGIL_ENV = eval "$$(sh bindings/go/env.sh $(BUILD))"
# One module per provider SDK, so the core module keeps no third-party dependency;
# the OpenTelemetry adapter (host pipeline) is a module of its own for the same reason.
GO_PROVIDER_MODULES := bindings/go/providers/openai bindings/go/providers/anthropic bindings/go/providers/gemini
GO_OTEL_MODULE := bindings/go/otel

test-go: build
	$(GO_SIGIL_ENV) && cd bindings/go && $(GO) test -race -count=1 ./...
	$(GO_SIGIL_ENV) && for m in $(GO_PROVIDER_MODULES) $(GO_OTEL_MODULE); do (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done
	$(GO_SIGIL_ENV) && cd examples/go && $(GO) vet ./...
	sh conformance/drivers/go/build.sh $(BUILD)

bench-go: build
	$(GO_SIGIL_ENV) && cd bindings/go && $(GO) test -run '^$$' -bench . -benchmem ./sigil

CARGO ?= cargo
# The Rust workspace links $(BUILD)'s static libsigil; its target dir is
# $(BUILD)/cargo, shared with the conformance driver's build.
RUST_ENV = SIGIL_BUILD_DIR=$(abspath $(BUILD)) CARGO_TARGET_DIR=$(abspath $(BUILD))/cargo

test-rust: build
	cd bindings/rust && $(RUST_ENV) $(CARGO) test --workspace --quiet
	cd bindings/rust && $(RUST_ENV) $(CARGO) test -p sigil --features otel,providers,async-openai --quiet
	sh conformance/drivers/rust/build.sh $(BUILD)

bench-rust: build
	cd bindings/rust && $(RUST_ENV) $(CARGO) run --release --quiet --example hot_path

NPM ?= npm
# Node: npm's node-gyp builds the addon against $(BUILD), offline (Node's own headers).
NODE_SIGIL_ENV = SIGIL_BUILD_DIR=$(abspath $(BUILD))

test-node: build
	cd bindings/node && $(NODE_SIGIL_ENV) $(NPM) install --no-audit --no-fund && $(NODE_SIGIL_ENV) $(NPM) test && \
	  $(NODE_SIGIL_ENV) $(NPM) run test:providers && $(NODE_SIGIL_ENV) $(NPM) run test:frameworks && \
	  $(NPM) run typecheck && $(NPM) run typecheck:providers && $(NPM) run typecheck:frameworks

# The npm tarball: package files plus the addon prebuilt with libsigil linked
# in (bindings/node/pack.sh; repacked only when its inputs change).
node-pack: build
	sh bindings/node/pack.sh $(BUILD)

# Packages used away from the repository: the npm tarball installed offline in
# a scratch project; Go's -tags sigil_static and Rust's static link through
# pkg-config, against $(BUILD) installed into a scratch prefix (a copy, no
# compile). Each program records a generation to the capture harness.
PKG_PREFIX = $(abspath $(BUILD))/pkg-prefix
test-packages: build
	rm -rf $(PKG_PREFIX) && cmake --install $(BUILD) --prefix $(PKG_PREFIX) >/dev/null
	sh bindings/node/pack.sh $(BUILD)
	SIGIL_NODE_TARBALL=$$(sh bindings/node/pack.sh $(BUILD)) SIGIL_PKG_PREFIX=$(PKG_PREFIX) \
	  SIGIL_RUST_TARGET_DIR=$(abspath $(BUILD))/cargo-packaging $(PYTHON) -m pytest -q -p no:cacheprovider \
	  tests/packaging/test_node_pack.py tests/packaging/test_go_static.py tests/packaging/test_rust_static.py

# Compatibility with the reference SDKs: our own tests of the behaviours their
# users rely on (custom exporters, debugSnapshot/last_generation, sigiltest,
# framework metadata, error texts, tracer/meter options), written from their
# documentation. Offline (the capture harness on loopback). Each file is outside
# its binding tier's default selection, so `make test` runs it once: Python
# tests/compat_*.py (named explicitly), Go files tagged `compat` (only their
# TestCompat* tests), Node test/compat/*.compat.mjs.
test-compat: build
	$(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests/compat_reference.py
	$(GO_SIGIL_ENV) && cd bindings/go && $(GO) test -race -count=1 -tags compat -run '^TestCompat' ./sigil
	cd bindings/node && $(NODE_SIGIL_ENV) $(NPM) install --no-audit --no-fund && \
	  $(NODE_SIGIL_ENV) node --test test/compat/*.compat.mjs

# Every language whose driver is available; e.g. CONFORMANCE_ARGS="--lang c --scenario rating"
conformance: build
	SIGIL_BUILD_DIR=$(BUILD) $(PYTHON) -m pytest -q -p no:cacheprovider conformance/tests
	$(PYTHON) conformance/runner.py --build-dir $(BUILD) $(CONFORMANCE_ARGS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L 'unit|abi'

test-integration: build
	ctest --test-dir $(BUILD) --output-on-failure -L 'integration|example'

# ASan+UBSan, then TSan: the engine and every C/C++ test (unit, ABI,
# integration against the harness, fuzz seed corpora) plus the C conformance
# driver (ctest's conformance_c runs conformance/runner.py --lang c on the
# sanitized build). A sanitizer report fails the test; the options reach the
# driver through the runner's environment. Not run here: installed_package
# (cmake --install and a consumer build, no engine code of its own) and
# conformance_runner_selftest (the Python runner's own tests). A test that
# hangs (e.g. a deadlocked forked child) fails after 300 s instead of ctest's
# 1500 s default.
SANITIZE_CMAKE = -G Ninja -DSIGIL_BUILD_EXAMPLES=OFF -DSIGIL_BUILD_BENCH=OFF
SANITIZE_CTEST = --output-on-failure -j $(JOBS) --timeout 300 -E 'installed_package|conformance_runner_selftest'
test-sanitize: deps
	cmake -S . -B build-asan $(SANITIZE_CMAKE) -DCMAKE_BUILD_TYPE=Debug -DSIGIL_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan $(SANITIZE_CTEST)
	cmake -S . -B build-tsan $(SANITIZE_CMAKE) -DSIGIL_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir build-tsan $(SANITIZE_CTEST)

# libFuzzer (clang, ASan+UBSan) on every fuzz target in tests/fuzz for
# FUZZ_SECONDS each, FUZZ_JOBS at a time, from copies of the seed corpora.
# Crash, leak and timeout inputs land in build-fuzz/artifacts. E.g.
# make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS=redaction
FUZZ_SECONDS ?= 20
FUZZ_JOBS    ?= $(JOBS)
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.cpp,%,$(wildcard tests/fuzz/fuzz_*.cpp))
fuzz: deps
	cmake -S . -B build-fuzz $(SANITIZE_CMAKE) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 -DCMAKE_CXX_FLAGS=-O1 \
	  -DSIGIL_SANITIZE=address,undefined -DSIGIL_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS:%=sigil_fuzz_%)
	sh tests/fuzz/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# Benchmarks side by side with the reference SDKs (BENCHMARKS.md); the
# references go into build/bench-env, never into the project.
BENCH_ARGS ?=
bench: build
	$(PYTHON) bench/run.py --build-dir $(BUILD) $(BENCH_ARGS)

# kill -9 mid-stream per spool mode (lost / duplicated generations) and end()
# throughput per mode: the figures of docs/reliability.md, "Spool modes".
bench-wal: build
	$(PYTHON) bench/wal_crash_bench.py --build-dir $(BUILD) $(BENCH_ARGS)

# C and C++ follow .clang-format, Go gofmt, Rust rustfmt (bindings/rust/rustfmt.toml).
# `make lint` checks what `make format` rewrites, and the layer rule of lib/
# (cmake/check_layers.cmake, also run by every build). CI runs `make lint`.
FORMAT_C = $(shell git ls-files '*.c' '*.h' '*.cc' '*.cpp' | grep -v '^lib/proto/')
GO_DIRS  = bindings/go examples/go conformance/drivers/go tests/collector
format: deps-apt
	clang-format -i $(FORMAT_C)
	gofmt -w $(GO_DIRS)
	cd bindings/rust && $(CARGO) fmt --all
	cd conformance/drivers/rust && $(CARGO) fmt

lint: deps-apt
	@cmake -DLIB_DIR=$(CURDIR)/lib -P cmake/check_layers.cmake
	@clang-format --dry-run -Werror $(FORMAT_C) || { echo "C/C++ not formatted: run make format"; exit 1; }
	@out=$$(gofmt -l $(GO_DIRS)); if [ -n "$$out" ]; then echo "Go not formatted (make format):"; echo "$$out"; exit 1; fi
	@cd bindings/rust && $(CARGO) fmt --all --check || { echo "Rust not formatted: run make format"; exit 1; }
	@cd conformance/drivers/rust && $(CARGO) fmt --check || { echo "Rust driver not formatted: run make format"; exit 1; }
	@echo "lint: layers, C/C++, Go and Rust formatting clean"

# `sigil receive` on its default ports, the quickstarts against it, then the web page's
# address; DEMO_ARGS=--keep leaves the receiver running.
DEMO_ARGS ?=
demo: build
	$(PYTHON) tools/demo.py $(BUILD)/examples/c/quickstart $(DEMO_ARGS)

# The library alone: its own release build without tests, examples or
# benchmarks, and no binding toolchain; installed stripped (library, header,
# pkg-config and CMake files). `make install PREFIX=$$HOME/.local`.
INSTALL_BUILD ?= $(BUILD)/release-install
install: deps-lib
	cmake -S . -B $(INSTALL_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGIL_BUILD_TESTS=OFF \
	  -DSIGIL_BUILD_EXAMPLES=OFF -DSIGIL_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(INSTALL_BUILD) -j $(JOBS)
	cmake --install $(INSTALL_BUILD) --prefix $(PREFIX) --strip

# make install as a user runs it, into a scratch prefix (its release build is
# kept in $(INSTALL_BUILD), so a second run only relinks), then consumers
# built with pkg-config and CMake against that prefix alone. The recipe must
# not touch a binding toolchain.
test-install:
	@if $(MAKE) -n install | grep -E '(^|[ /])(pip|cargo|go|npm|node-gyp)( |$$)'; then \
	  echo "make install runs a binding toolchain"; exit 1; fi
	rm -rf $(BUILD)/lean-prefix
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(BUILD))/lean-prefix
	bash tests/install/test_install.sh --prefix $(BUILD)/lean-prefix

clean:
	rm -rf $(BUILD)
