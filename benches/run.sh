#!/usr/bin/env bash
# Speed benchmark of the cos library: builds the library and the emulator (cargo build --release --workspace), compiles
# benches/cos_bench.c against include/cos.h and target/release/libcos.so (-O2), makes sure the Python SDK venv
# exists (tests/setup.sh), then runs benches/driver.py, which starts the emulator(s) on free loopback ports,
# measures, stops them, prints the table and writes benches/results/latest.json.
#
#   bash benches/run.sh            # the full run (a few minutes on 2 cores)
#   bash benches/run.sh --quick    # smoke check: smaller objects, one repetition
#   bash benches/run.sh --help     # every option of the driver (sizes, repetitions, --only 1,3, ...)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in cargo cc curl; do
    command -v "$tool" > /dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done

echo "== cargo build --release --workspace" >&2
cargo build --release --workspace --quiet

echo "== cc -O2 benches/cos_bench.c" >&2
mkdir -p target/bench
"${CC:-cc}" -std=c11 -Wall -Wextra -O2 -I include benches/cos_bench.c \
    -L target/release -Wl,-rpath,"$root/target/release" -lcos -o target/bench/cos_bench

if ! .venv/bin/python -c 'import qcloud_cos' > /dev/null 2>&1; then
    echo "== tests/setup.sh (Python SDK venv)" >&2
    bash tests/setup.sh
fi

exec .venv/bin/python benches/driver.py "$@"
