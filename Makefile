# The two commands of the README:
#   make run   installs what is missing, builds (Release), runs the main job
#   make test  installs what is missing, builds, runs every test (ctest)
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build run test clean

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

clean:
	rm -rf build
