#!/usr/bin/env bash
# Runs every test suite of the workspace (the library `cos` and the emulator `cos-emulator`): formatting
# and lints, the header drift check, Rust unit and integration tests (against the emulator, SeaweedFS, the
# official Python SDK), the C tests (examples, sanitizers, valgrind, bad input through the C ABI, symbol
# checks), then a bounded fuzzing run of every response parser (FUZZ_SECONDS per target, default 4;
# FUZZ_SECONDS=0 skips it). Installs what the tests need first, and only what is missing: Debian packages
# (valgrind, g++, clang, make, pkg-config, cmake, squid, openssl, golang-go), the Python venv when tests/python/requirements.txt changed (tests/setup.sh keeps a stamp),
# cargo-fuzz when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing test dependencies"
# Debian packages by the command each provides: valgrind, g++; make, pkg-config, cmake (tests/install.rs);
# squid (tests/transport_proxy.rs); openssl (the private CA of tests/transport_tls.rs); clang++ (cos.hpp must
# compile with both C++ compilers: tests/cpp_wrapper.rs); go (the Go package: tests/go_binding.rs).
missing=()
for pair in valgrind:valgrind g++:g++ clang++:clang make:make pkg-config:pkg-config cmake:cmake squid:squid \
  openssl:openssl go:golang-go; do
  command -v "${pair%%:*}" > /dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" > /dev/null
fi
bash tests/setup.sh

echo "== formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== build (the C tests link target/debug/libcos.so and libcos.a, which only cargo build makes)"
cargo build --workspace

echo "== header drift check (include/cos.h must be what build.rs generates; tests/header.rs)"
cargo test --quiet --test header

echo "== tests"
cargo test --workspace --all-targets

fuzz_seconds=${FUZZ_SECONDS:-4}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing every parser for ${fuzz_seconds} s (seeds in fuzz/corpus)"
  command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  # cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them here only.
  # No sanitizer (-s none): the parsers are safe Rust (a bad index panics, which libFuzzer reports), so
  # AddressSanitizer would only slow the build and the runs. All targets are built in one cargo run.
  fuzz_flags=(-O -s none)
  RUSTC_BOOTSTRAP=1 cargo fuzz build "${fuzz_flags[@]}"
  for target in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do
    mkdir -p "$scratch/$target"
    if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "${fuzz_flags[@]}" "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
      -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 > "$scratch/$target.log" 2>&1; then
      tail -40 "$scratch/$target.log"
      echo "fuzz target $target failed (the crashing input is under fuzz/artifacts/$target)"
      exit 1
    fi
    grep -E "^Done [0-9]+ runs" "$scratch/$target.log" | sed "s/^/  $target: /"
  done
  echo "fuzz: $(RUSTC_BOOTSTRAP=1 cargo fuzz list | wc -l) passed, 0 failed"
fi
