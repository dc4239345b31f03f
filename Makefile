# The two commands a newcomer needs:
#   make demo   build Portico and print the nginx.conf it renders for examples/
#   make test   run every test (real nginx, dnsmasq, a test API server and backends on loopback),
#               after checking rc.yaml and examples/ against the Kubernetes schemas
# `Tests/Deploy/check-image.sh` (the image's libraries and commands, without Docker) runs apart:
# it makes a release build of its own.
# Both install the Debian packages they need first (scripts/install-deps), quietly unless it fails.

SWIFT ?= swift

.PHONY: demo test build release bench deploy-checks deps

deps:
	@./scripts/install-deps

build: deps
	$(SWIFT) build

# Quiet: what a newcomer sees is the config (and the build's errors, if any).
demo: deps
	@$(SWIFT) build --quiet --product portico
	@$(SWIFT) run --skip-build portico render -f examples/echomap -f examples/features

deploy-checks: deps
	Tests/Deploy/validate-manifests.sh

# One build, with the flags CI wants, then the tests on exactly that build.
test: deploy-checks
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT) test --skip-build --no-parallel

release: deps
	$(SWIFT) build -c release

bench: release
	.build/release/portico-bench
	.build/release/portico-kube-bench
	.build/release/portico-run-bench 1000 50
	python3 Benchmarks/nginx-reload-floor.py 1000
