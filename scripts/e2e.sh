#!/usr/bin/env bash
# The browser tests: every tests/e2e/*.test.mjs against `strata serve` on its embedded
# PostgreSQL, then the editing test again against an external PostgreSQL, so both ways of
# running Strata are covered. The external server is $STRATA_E2E_DATABASE_URL, else a local
# one on 127.0.0.1:5432 if it accepts the `postgres` user (each run works in a database of
# its own and drops it).
#
#   scripts/e2e.sh target/debug/strata
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:?usage: scripts/e2e.sh STRATA_BIN}")"

cd tests/e2e
STRATA_BIN="$bin" npm test

url="${STRATA_E2E_DATABASE_URL:-}"
if [[ -z "$url" ]] && "$bin" psql --database-url postgres://postgres@127.0.0.1:5432/postgres -- -Atqc 'select 1' >/dev/null 2>&1; then
  url=postgres://postgres@127.0.0.1:5432/postgres
fi
if [[ -n "$url" ]]; then
  echo "== the editing test against an external PostgreSQL (${url%%@*}@…)"
  STRATA_E2E_DATABASE_URL="$url" STRATA_BIN="$bin" node --test --test-reporter=spec editing.test.mjs
else
  echo "== no external PostgreSQL on 127.0.0.1:5432 (set STRATA_E2E_DATABASE_URL): external run skipped"
fi
