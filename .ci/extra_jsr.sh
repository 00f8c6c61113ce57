#!/usr/bin/env bash
# CI extra: JSR readiness. The publish dry run (no slow types, only the package's files), the
# documentation lint of the public entry points, and every @example run as a doc test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
deno publish --dry-run --allow-dirty
deno doc --lint mod.ts src/cli/main.ts
# The examples make folders with os.tmpdir(): in one of their own, removed when this ends.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/amorsize-doc-tests-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
TMPDIR="$tmp" deno test --doc -A mod.ts src/
