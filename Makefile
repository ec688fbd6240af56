# Task front for libsigil. CMake builds everything; each binding uses its own
# ecosystem's tool on top of the built library.
BUILD    ?= build
PREFIX   ?= /usr/local
PYTHON   ?= python3
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=

APT_PACKAGES := build-essential cmake ninja-build pkg-config libcurl4-openssl-dev nanopb libnanopb-dev \
	protobuf-compiler libprotobuf-dev python3-protobuf libcjson-dev libsimdjson-dev libre2-dev \
	libgtest-dev libbenchmark-dev

.PHONY: all deps deps-apt deps-python deps-rust build bench test test-unit test-integration test-python test-go bench-go test-rust bench-rust test-node test-sanitize conformance demo install clean

all: build

# Idempotent: installs only what is missing.
deps: deps-apt deps-python deps-rust

deps-apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

deps-python:
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r conformance/requirements.txt

deps-rust:
	@cd bindings/rust && cargo fetch --locked --quiet

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
	$(PYTHON) -m pytest -q -p no:cacheprovider conformance/harness
	$(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests
	$(MAKE) --no-print-directory test-go
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-node
	$(MAKE) --no-print-directory conformance

test-python: build
	$(PY_SIGIL_ENV) $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests

GO ?= go
GO_SIGIL_ENV = eval "$$(sh bindings/go/env.sh $(BUILD))"

test-go: build
	$(GO_SIGIL_ENV) && cd bindings/go && $(GO) test -race -count=1 ./...
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
	sh conformance/drivers/rust/build.sh $(BUILD)

bench-rust: build
	cd bindings/rust && $(RUST_ENV) $(CARGO) run --release --quiet --example hot_path

NPM ?= npm
# Node: npm's node-gyp builds the addon against $(BUILD), offline (Node's own headers).
NODE_SIGIL_ENV = SIGIL_BUILD_DIR=$(abspath $(BUILD))

test-node: build
	cd bindings/node && $(NODE_SIGIL_ENV) $(NPM) install --no-audit --no-fund && $(NODE_SIGIL_ENV) $(NPM) test

# Every language whose driver is available; e.g. CONFORMANCE_ARGS="--lang c --scenario rating"
conformance: build
	SIGIL_BUILD_DIR=$(BUILD) $(PYTHON) -m pytest -q -p no:cacheprovider conformance/tests
	$(PYTHON) conformance/runner.py --build-dir $(BUILD) $(CONFORMANCE_ARGS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L 'unit|abi'

test-integration: build
	ctest --test-dir $(BUILD) --output-on-failure -L 'integration|example'

# ASan+UBSan and TSan builds of the engine running the C/C++ tests.
test-sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIGIL_SANITIZE=address,undefined -DSIGIL_BUILD_EXAMPLES=OFF
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS) -E 'installed_package|conformance_runner_selftest'
	cmake -S . -B build-tsan -G Ninja -DSIGIL_SANITIZE=thread -DSIGIL_BUILD_EXAMPLES=OFF
	cmake --build build-tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir build-tsan --output-on-failure -j $(JOBS) -E 'installed_package|conformance_runner_selftest'

# Benchmarks side by side with the reference SDKs (BENCHMARKS.md); the
# references go into build/bench-env, never into the project.
BENCH_ARGS ?=
bench: build
	$(PYTHON) bench/run.py --build-dir $(BUILD) $(BENCH_ARGS)

demo: build
	$(PYTHON) tools/demo.py $(BUILD)/examples/c/quickstart

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
