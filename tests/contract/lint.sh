#!/usr/bin/env bash
# Lint openapi.yaml with Redocly (config: redocly.yaml) and Spectral (ruleset: .spectral.yaml,
# spectral:oas + OWASP). Fails on any error or warning from either linter.
# Needs the dev tools: `npm ci` at the repo root first.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root" || exit 2
bin="$root/node_modules/.bin"
spec="openapi.yaml"

# No phoning home: no telemetry, no update checks (only the npm registry is reachable).
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1

for tool in redocly spectral; do
  if [[ ! -x "$bin/$tool" ]]; then
    echo "lint.sh: $bin/$tool missing; run 'npm ci' in $root first" >&2
    exit 2
  fi
done
for f in "$spec" redocly.yaml .spectral.yaml; do
  [[ -f "$f" ]] || { echo "lint.sh: $root/$f missing" >&2; exit 2; }
done

fail=0
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

# --- Redocly: recommended-strict raises warnings to errors; still count both to be sure.
echo "+ $bin/redocly lint --config redocly.yaml --format stylish $spec"
"$bin/redocly" lint --config redocly.yaml --format stylish "$spec" >"$out" 2>&1
rc=$?
cat "$out"
problems="$(grep -cE '^[[:space:]]+[0-9]+:[0-9]+[[:space:]]+(error|warning)[[:space:]]' "$out" || true)"
if [[ $rc -ne 0 || "$problems" != "0" ]]; then
  echo "lint.sh: redocly FAILED (exit $rc, $problems problem(s))"
  fail=1
else
  echo "lint.sh: redocly OK (0 errors, 0 warnings)"
fi

# --- Spectral: -F warn makes any warning (or error) fail the run.
echo "+ $bin/spectral lint --ruleset .spectral.yaml --fail-severity warn $spec"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity warn "$spec" >"$out" 2>&1
rc=$?
cat "$out"
problems="$(grep -cE '^[[:space:]]*[0-9]+:[0-9]+[[:space:]]+(error|warning)[[:space:]]' "$out" || true)"
if [[ $rc -ne 0 || "$problems" != "0" ]]; then
  echo "lint.sh: spectral FAILED (exit $rc, $problems problem(s))"
  fail=1
else
  echo "lint.sh: spectral OK (0 errors, 0 warnings)"
fi

# --- roles: every operation's x-roles and oauth2 scopes are the route table's
echo "+ node tests/contract/roles.mjs"
if node "$(dirname "$0")/roles.mjs"; then
  echo "lint.sh: roles OK (x-roles and oauth2 scopes match api/routes.c)"
else
  echo "lint.sh: roles FAILED (run: node tests/contract/roles.mjs --write)"
  fail=1
fi

# --- examples: every JSON success response and shared problem response shows a real answer
echo "+ node tests/contract/examples.mjs"
if node "$(dirname "$0")/examples.mjs"; then
  echo "lint.sh: examples OK"
else
  echo "lint.sh: examples FAILED (rm -rf /tmp/cap; EXAMPLES_CAPTURE=/tmp/cap make test; node tests/contract/examples.mjs --write /tmp/cap)"
  fail=1
fi

# --- messages: every English text a problem can carry has its Chinese (api/zh.c)
echo "+ node tests/contract/messages.mjs"
if node "$(dirname "$0")/messages.mjs"; then
  echo "lint.sh: messages OK"
else
  echo "lint.sh: messages FAILED (add the texts above to api/zh.c)"
  fail=1
fi

if [[ $fail -ne 0 ]]; then
  echo "lint.sh: openapi.yaml lint FAILED"
  exit 1
fi
echo "lint.sh: openapi.yaml lint passed"
