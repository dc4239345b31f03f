# The two commands a newcomer needs:
#   make demo   build Portico and print the nginx.conf it renders for examples/
#   make test   run every test (real nginx, dnsmasq, a test API server and backends on loopback),
#               after checking rc.yaml and examples/ against the Kubernetes schemas
# `Tests/Deploy/check-image.sh` (the image's libraries and commands, without Docker) runs apart:
# it makes a release build of its own.
# Both install the Debian packages they need first (scripts/install-deps).

SWIFT ?= swift

.PHONY: demo test build release bench deploy-checks deps

deps:
	@./scripts/install-deps

build: deps
	$(SWIFT) build

demo: build
	$(SWIFT) run -q portico render -f examples/echomap -f examples/features

deploy-checks: deps
	Tests/Deploy/validate-manifests.sh

test: deploy-checks
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT) test --no-parallel

release: deps
	$(SWIFT) build -c release

bench: release
	.build/release/portico-bench
	.build/release/portico-kube-bench
	.build/release/portico-run-bench 1000 50
	python3 Benchmarks/nginx-reload-floor.py 1000
