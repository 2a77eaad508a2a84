#!/usr/bin/env bash
# Builds the C quickstart against include/cos.h and target/release/libcos.so and runs it: against real COS
# when COS_SECRET_ID is set (with COS_SECRET_KEY, COS_REGION and COS_BUCKET), else against a cos-emulator
# that this script starts on a free loopback port and stops again.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
out=target/demo
mkdir -p "$out"
cc -std=c11 -Wall -Wextra -O2 -Iinclude examples-c/quickstart.c -Ltarget/release -lcos \
   -Wl,-rpath,"$PWD/target/release" -o "$out/quickstart"

if [ -n "${COS_SECRET_ID:-}" ]; then
  echo "== running the quickstart against COS (region ${COS_REGION:-?})"
  exec "$out/quickstart"
fi

target/release/cos-emulator --listen 127.0.0.1:0 > "$out/emulator.out" 2> "$out/emulator.err" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$out/emulator.out" 2>/dev/null && break
  sleep 0.05
done
address=$(sed -n 's/^listening on //p' "$out/emulator.out")
[ -n "$address" ] || { echo "cos-emulator did not start:"; cat "$out/emulator.err"; exit 1; }
echo "== cos-emulator listening on $address; running the quickstart against it"
COS_SECRET_ID=AKIDcosEmulatorDefault COS_SECRET_KEY=cosEmulatorDefaultSecretKey COS_REGION=ap-guangzhou \
COS_SCHEME=http COS_ADDRESS="$address" "$out/quickstart"
