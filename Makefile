# gopsy — the human entry points. Everything a target needs is installed by the target itself.
#   make          build (installs Debian build deps if missing)
#   make demo     + a Go toolchain; build a Go service, crash it, read its core
#   make check    + all 8 Go toolchains; unit tests under ASan+UBSan, fuzz smoke, then every test
#                 (unit + e2e oracle over Go 1.19–1.27)
#   make bench    benchmarks against the anchors: delve (bench/goroutines.py), panicparse (bench/parse.py)
#   make fresh-check  make check inside a new minimal Debian root (tests/fresh; root, debootstrap)
# make and make demo need no test-only package (cmocka, python3): the test targets configure with
# -DGOPSY_REQUIRE_TESTS=ON, which makes a missing one a configure error instead.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
DEMO_GO    ?= 1.26
FUZZ_SECONDS ?= 15
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
FRESH      ?= ON
TEST_FLAGS  = -DGOPSY_REQUIRE_TESTS=ON

.PHONY: all build build-test deps deps-test demo check fresh-check unit asan fuzz e2e bench clean

all: build

deps:
	@scripts/install-deps build

deps-test:
	@scripts/install-deps all

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DGOPSY_REQUIRE_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

build-test: deps-test
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) $(TEST_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: deps build
	@goroot=$$(scripts/go-toolchains $(DEMO_GO) | awk '{print $$2}') && \
	  GOPSY_GO=$$goroot/bin/go $(BUILD)/gopsy demo

# Unit tests (and the CLI smoke test) under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps-test
	@cmake -S . -B $(BUILD_ASAN) $(TEST_FLAGS) -DGOPSY_SANITIZE=ON -DGOPSY_E2E=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(BUILD_ASAN) -j$(JOBS)
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest -L unit --output-on-failure

# Each libFuzzer target for FUZZ_SECONDS (clang).
fuzz: deps-test
	@cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DGOPSY_FUZZ=ON -DGOPSY_E2E=OFF >/dev/null
	@cmake --build $(BUILD_FUZZ) -j$(JOBS) --target fuzz_targets
	@$(BUILD_FUZZ)/fuzz/seedgen $(BUILD_FUZZ)/seeds
	@mkdir -p $(BUILD_FUZZ)/seeds/fuzz_dump && cp tests/e2e/testdata/*.txt tests/dump/testdata/*.txt $(BUILD_FUZZ)/seeds/fuzz_dump/
	@for f in $(BUILD_FUZZ)/fuzz/fuzz_*; do \
	  t=$$(basename $$f); echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  mkdir -p $(BUILD_FUZZ)/corpus/$$t $(BUILD_FUZZ)/seeds/$$t; \
	  $$f -max_total_time=$(FUZZ_SECONDS) $(BUILD_FUZZ)/corpus/$$t $(BUILD_FUZZ)/seeds/$$t \
	    >$(BUILD_FUZZ)/$$t.log 2>&1 || { tail -n 40 $(BUILD_FUZZ)/$$t.log; exit 1; }; \
	  grep -E '^#[0-9]+ +DONE' $(BUILD_FUZZ)/$$t.log || tail -n 3 $(BUILD_FUZZ)/$$t.log; \
	done

# The README's test command: sanitizer and fuzz runs first, then every test (unit + e2e, and
# fresh.demo: make demo in a new minimal Debian root) in one CTest run, whose summary line closes
# the output. FRESH=OFF leaves fresh.demo out (fresh-check does, inside its root).
check: deps-test asan fuzz
	@scripts/go-toolchains >/dev/null
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) $(TEST_FLAGS) -DGOPSY_E2E=ON -DGOPSY_FRESH=$(FRESH) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@cd $(BUILD) && ctest --output-on-failure

# The whole `make check` inside a new minimal Debian root with only make installed (tests/fresh).
fresh-check: deps-test
	@tests/fresh/fresh-root check

unit: build-test
	@cd $(BUILD) && ctest -L unit --output-on-failure

e2e: build-test
	@scripts/go-toolchains >/dev/null
	@python3 tests/e2e/run.py

# Benchmarks side by side with the anchors (delve); BIG=1 adds the 1M-goroutine run.
bench: deps-test build
	@python3 bench/goroutines.py --gopsy $(BUILD)/gopsy
	@python3 bench/parse.py --gopsy $(BUILD)/gopsy
	@python3 bench/live.py --gopsy $(BUILD)/gopsy

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
