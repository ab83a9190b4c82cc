# Strata's two commands: `make run` and `make test`. Everything else here serves them.
.PHONY: run test setup web fmt screenshots

run: web
	cargo run --release -p strata -- serve

test: web
	./scripts/setup.sh --browser
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	./scripts/test-rust.sh
	./scripts/fuzz.sh 60
	cd web && npm run lint && npm run check && npm test
	./scripts/e2e.sh target/debug/strata

# The web app, built into web/dist and embedded into the binary.
web: setup
	cd web && npm run build

setup:
	./scripts/setup.sh

fmt:
	cargo fmt --all

# Refreshes the README's screenshots from a browser test run.
screenshots: web
	cargo build -p strata
	cd tests/e2e && STRATA_BIN="$(CURDIR)/target/debug/strata" STRATA_SCREENSHOTS=docs/screenshots npm test
