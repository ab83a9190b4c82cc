#!/usr/bin/env bash
# Fuzzes the import pipeline (sniff, parse, infer, encode) for SECONDS with cargo-fuzz on
# nightly, after replaying the seed corpus and the saved regressions. Without nightly (or
# cargo-fuzz), it replays those inputs on stable instead. Exits non-zero on any crash.
#
#   ./scripts/fuzz.sh 60
#
# A crash is saved under fuzz/artifacts/import/; minimize it with
# `cargo +nightly fuzz tmin import fuzz/artifacts/import/crash-…` and keep it in fuzz/regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: scripts/fuzz.sh SECONDS}
target_dir="$PWD/fuzz/target"

replay() {
    echo "fuzz.sh: $1; replaying fuzz/corpus/import and fuzz/regressions on stable instead" >&2
    RUST_BACKTRACE=1 exec cargo run --quiet --manifest-path fuzz/Cargo.toml --target-dir "$target_dir" --bin replay -- \
        fuzz/corpus/import fuzz/regressions
}

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    replay "no nightly toolchain (cargo-fuzz needs one; \`rustup toolchain install nightly\` adds it)"
fi
if ! command -v cargo-fuzz >/dev/null; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install --quiet cargo-fuzz --locked || replay "cargo-fuzz could not be installed"
fi

# New inputs go to the first corpus directory: a scratch one under the (ignored) target dir, so
# the committed seeds stay as they are and later runs start from what earlier ones found.
scratch=fuzz/target/corpus/import
mkdir -p "$scratch"
# -timeout: an input that takes this long is reported as a crash, so the run stays bounded.
exec cargo +nightly fuzz run --fuzz-dir fuzz --target-dir "$target_dir" import \
    "$scratch" fuzz/corpus/import fuzz/regressions -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
