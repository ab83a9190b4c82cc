#!/usr/bin/env bash
# Runs the Rust tests against real PostgreSQL: TEST_DATABASE_URL when set, else a throw-away
# embedded cluster that `strata exec` runs for the duration of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Documentation examples first: nextest does not run them.
cargo test --quiet --workspace --doc

if command -v cargo-nextest >/dev/null; then
    run_tests=(cargo nextest run --workspace --no-fail-fast)
else
    run_tests=(cargo test --workspace --no-fail-fast)
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
    exec "${run_tests[@]}"
fi

cargo build --quiet -p strata
dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-test-cluster.XXXXXX")
chmod 711 "$dir"   # run as root, the cluster's `postgres` account must reach it
trap 'rm -rf "$dir"' EXIT
# Test data is throw-away: trade durability for speed.
target/debug/strata exec --data-dir "$dir/data" -d postgres -- sh -c '
    psql -qAt -c "ALTER SYSTEM SET fsync = off" -c "ALTER SYSTEM SET synchronous_commit = off" \
        -c "SELECT pg_reload_conf()" >/dev/null &&
    TEST_DATABASE_URL="$DATABASE_URL" "$@"' sh "${run_tests[@]}"
