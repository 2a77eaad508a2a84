#!/usr/bin/env bash
# Measures the emulator alone with curl: N PUTs, then N GETs, of one SIZE_MIB object over loopback.
#   bash emulator/bench.sh [SIZE_MIB=1024] [N=3] [-- emulator flags, e.g. --no-md5 --rate-limit 50000000]
# Needs the test venv (.venv, from tests/setup.sh): the official SDK presigns the URLs curl uses.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
runs=${2:-3}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift

cargo build --release -p cos-emulator -q
work=$(mktemp -d)
emu_pid=
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/object"
target/release/cos-emulator --listen 127.0.0.1:0 "$@" > "$work/out" &
emu_pid=$!
for _ in $(seq 50); do [ -s "$work/out" ] && break; sleep 0.1; done
port=$(head -1 "$work/out" | sed 's/.*://')

bucket=bench-1250000000
host=$bucket.cos.ap-guangzhou.myqcloud.com
mapfile -t urls < <(.venv/bin/python - "$port" "$bucket" << 'EOF'
import sys
from qcloud_cos import CosConfig, CosS3Client
port, bucket = int(sys.argv[1]), sys.argv[2]
creds = dict(Region="ap-guangzhou", SecretId="AKIDcosEmulatorDefault", SecretKey="cosEmulatorDefaultSecretKey", Scheme="http")
CosS3Client(CosConfig(IP="127.0.0.1", Port=port, **creds), retry=0).create_bucket(Bucket=bucket)
signer = CosS3Client(CosConfig(**creds))
for method in ("PUT", "GET"):
    print(signer.get_presigned_url(Bucket=bucket, Key="object", Method=method, Expired=36000))
EOF
)
echo "emulator flags: ${*:-(none)}; object: $size_mib MiB"
for _ in $(seq "$runs"); do
  curl -sS --connect-to "$host:80:127.0.0.1:$port" -T "$work/object" -o /dev/null \
    -w '%{http_code} %{speed_upload}\n' "${urls[0]}"
done | awk '{printf "PUT %s %.3f GB/s\n", $1, $2 / 1e9}'
for _ in $(seq "$runs"); do
  curl -sS --connect-to "$host:80:127.0.0.1:$port" -o /dev/null -w '%{http_code} %{speed_download}\n' "${urls[1]}"
done | awk '{printf "GET %s %.3f GB/s\n", $1, $2 / 1e9}'
echo "emulator CPU time: $(ps -o times= -p "$emu_pid" | tr -d ' ') s"
