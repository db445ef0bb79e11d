# The two commands of the README:
#   make run   installs what is missing, builds (Release), runs the main job
#   make test  installs what is missing, builds, runs every test (ctest)
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build run test bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	cmake --preset $(PRESET)

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	bash scripts/compare-losses.sh $(BUILD_DIR)/cli/logreg data/heart_scale

test: build
	ctest --preset $(PRESET) -j $(JOBS)

# Benchmarks (never part of `make test`): builds build/bench (Release, bench on, tests off),
# runs the micro-benchmarks and the comparison with LIBLINEAR and scikit-learn on the shared
# datasets. SYNTH=DIR adds the synthetic sets of bench/make_synthetic.py found in DIR;
# REPEATS=N sets the runs per measurement. See docs/benchmarks.md.
BENCH_DIR := build/bench
REPEATS ?= 3
SYNTH ?=

bench: deps
	cmake -S . -B $(BENCH_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOGREG_BUILD_BENCH=ON -DLOGREG_BUILD_TESTS=OFF
	cmake --build $(BENCH_DIR) -j $(JOBS)
	/usr/bin/python3 bench/run_micro.py --build $(BENCH_DIR)
	/usr/bin/python3 bench/compare_peers.py --logreg $(BENCH_DIR)/cli/logreg --repeats $(REPEATS) \
	  $(if $(SYNTH),--synthetic $(SYNTH))

clean:
	rm -rf build

# Reliability checks (see scripts/fuzz.sh):
#   make asan-test   builds with AddressSanitizer + UBSan (build/asan) and runs the tests
#   make fuzz        runs each libFuzzer target FUZZ_SECONDS seconds (build/fuzz)
FUZZ_SECONDS ?= 60
.PHONY: asan asan-test fuzz

asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)

asan-test: asan
	ctest --preset asan -j $(JOBS)

fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)
