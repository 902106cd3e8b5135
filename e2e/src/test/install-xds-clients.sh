#!/usr/bin/env bash
# Installs the third-party xDS clients the e2e tests drive, at the versions pinned here:
#   python  grpcio from PyPI (python/requirements.txt) into python/.venv
#   node    @grpc/grpc-js and @grpc/grpc-js-xds from npm (node/package-lock.json) with npm ci
# Usage: install-xds-clients.sh [python|node|all]. Does nothing for a client whose runtime (python3,
# node + npm) is missing, and nothing when the pinned versions are already installed. .ci/run runs it;
# the e2e tests run it too, so `./mvnw verify` works without it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
what="${1:-all}"

if [[ $what == all || $what == python ]] && command -v python3 >/dev/null 2>&1; then
  venv="$here/python/.venv"
  if ! cmp -s "$here/python/requirements.txt" "$venv/installed-requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$here/python/requirements.txt"
    cp "$here/python/requirements.txt" "$venv/installed-requirements.txt"
  fi
fi

if [[ $what == all || $what == node ]] && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  dir="$here/node"
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/installed-package-lock.json" 2>/dev/null; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/installed-package-lock.json"
  fi
fi
