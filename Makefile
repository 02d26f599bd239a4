# spider - the two commands: `make demo` and `make test`. See README.md.
BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
JOBS        ?= $(shell nproc)
STACK        = deploy/local/stack.sh

.PHONY: all build deps asan fuzz test unit demo demo-down bench \
        stack-up stack-down stack-status clean

all: build

deps:
	@deploy/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

$(BUILD_ASAN)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DSPIDER_SANITIZE=ON >/dev/null

asan: deps $(BUILD_ASAN)/CMakeCache.txt
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

$(BUILD_FUZZ)/CMakeCache.txt: | deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DSPIDER_FUZZ=ON >/dev/null

fuzz: deps $(BUILD_FUZZ)/CMakeCache.txt
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)

# Unit tests only: no servers needed.
unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure -j $(JOBS)

# Everything: unit tests, the sanitizer build's unit tests, the fuzz corpora,
# then the integration tests against the real local stack.
test: build asan fuzz
	@tests/run-all.sh $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)

demo: build
	@deploy/demo.sh

demo-down:
	@deploy/demo.sh down

bench: build
	@bench/run.sh $(BUILD)

stack-up: deps
	@$(STACK) up

stack-down:
	@$(STACK) down

stack-status:
	@$(STACK) status

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
