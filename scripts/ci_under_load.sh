#!/usr/bin/env bash
# The test suite under load: runs the whole suite (npm test: Deno, Bun and Node) twice in a row
# with CPU-hog processes running beside it, and kills them afterwards, whatever happens. A test
# that asserts anything timing can change fails here.
#
# Usage: bash scripts/ci_under_load.sh [runs (default 2)] [hogs (default 2)] [-- test_all args]
#   e.g. bash scripts/ci_under_load.sh 1 2 -- deno --filter=fault   (the affected files only)
# Ends with one line "N passed, N failed" over all the runs; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
runs=${1:-2}
hogs=${2:-2}
shift $(( $# >= 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
test_args=("$@")

pids=()
stop_hogs() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pids=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM # the EXIT trap stops the hogs; the script does not go on
for _ in $(seq "$hogs"); do
  # A busy loop of the shell itself: one runnable thread each, no output, killed on exit.
  ( while :; do :; done ) &
  pids+=("$!")
done
echo "ci_under_load: $hogs CPU hogs running (pids ${pids[*]}), $runs run(s) of the suite"

total_passed=0 total_failed=0 status=0
for run in $(seq "$runs"); do
  log=$(mktemp)
  started=$(date +%s)
  if [ "${#test_args[@]}" -gt 0 ]; then
    deno run -A scripts/test_all.ts "${test_args[@]}" 2>&1 | tee "$log"
  else
    npm test 2>&1 | tee "$log"
  fi
  rc=${PIPESTATUS[0]}
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  rm -f "$log"
  passed=$(echo "${summary:-0 passed, 1 failed}" | sed -E 's/^([0-9]+) passed.*/\1/')
  failed=$(echo "${summary:-0 passed, 1 failed}" | sed -E 's/.* ([0-9]+) failed$/\1/')
  echo "ci_under_load: run $run: $passed passed, $failed failed, rc $rc, $(( $(date +%s) - started )) s"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] || status=1
done
stop_hogs
echo "$total_passed passed, $total_failed failed"
exit "$status"
