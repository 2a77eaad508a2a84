#!/usr/bin/env bash
# Runs every test suite: formatting and lints, the header drift check, Rust unit and integration tests
# (against the emulator, SeaweedFS, the official Python SDK) and the C tests (examples, sanitizers, valgrind,
# bad input through the C ABI, symbol checks). Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing test dependencies"
if ! command -v valgrind > /dev/null || ! command -v g++ > /dev/null; then
  apt-get update -qq && apt-get install -y -qq valgrind g++ > /dev/null
fi
bash tests/setup.sh

echo "== formatting and lints"
cargo fmt --check
cargo clippy --all-targets -- -D warnings

echo "== header drift check (include/cos.h must match what build.rs generates)"
cargo build
git diff --exit-code -- include/cos.h || { echo "include/cos.h is stale: commit the regenerated header"; exit 1; }

echo "== tests"
cargo test --all-targets
