#!/usr/bin/env bash
# CI extra: the npm package builds, packs, installs into a project outside the repository and
# works there (ESM import running workers, TypeScript consumer types, the amorsize bin).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
deno run -A scripts/check_npm_package.ts
