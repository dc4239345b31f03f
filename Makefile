# The two commands a newcomer needs:
#   make demo   build Portico and print the nginx.conf it renders for examples/
#   make test   run the test suite (real nginx, dnsmasq and backends on loopback)
# Both install the Debian packages they need first (scripts/install-deps).

SWIFT ?= swift

.PHONY: demo test build release bench deps

deps:
	@./scripts/install-deps

build: deps
	$(SWIFT) build

demo: build
	$(SWIFT) run -q portico render -f examples/echomap -f examples/features

test: deps
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT) test --no-parallel

release: deps
	$(SWIFT) build -c release

bench: release
	.build/release/portico-bench
