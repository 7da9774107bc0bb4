#!/usr/bin/env bash
# Installs what is missing, builds, and serves a database from ./data on http://127.0.0.1:8080.
# Extra arguments go to `edgelite serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/src/edgelite serve --db-path ./data --http-listen-addr 127.0.0.1:8080 "$@"
