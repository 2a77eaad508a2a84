#!/usr/bin/env bash
# Creates the test venv `.venv` at the repository root and installs tests/python/requirements.txt into it
# (the official COS Python SDK and SeaweedFS's `weed`). Idempotent: when the venv works and the requirements
# file is unchanged since the last successful install (stamp file), it returns at once.
# Environment: PYTHON = interpreter to create the venv with (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="$root/tests/python/requirements.txt"
stamp="$venv/.requirements.sha256"

# A venv whose interpreter no longer runs (e.g. the base Python moved) is rebuilt from scratch.
if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    echo "setup.sh: creating $venv"
    "${PYTHON:-python3}" -m venv --clear "$venv"
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

echo "setup.sh: installing $requirements"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet --requirement "$requirements"
printf '%s\n' "$want" >"$stamp"
echo "setup.sh: done"
