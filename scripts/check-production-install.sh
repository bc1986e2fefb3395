#!/usr/bin/env bash
# Proves every `latchkey` command works after a production install, as a user who installs the
# package gets it: a copy of the repository's files (what git tracks, plus new untracked files, no
# node_modules, no dist/), `npm ci --omit=dev` (so no devDependency is there: vitest, seam, …), the
# `prepare` script building the web bundle into dist/web/, then a smoke run of the commands:
# help, fuzz, bench --quick, demo, up (start, API call, the prebuilt web bundle, stop).
#
# Fast by default: the npm cache is used (--prefer-offline) and native modules that this checkout
# already compiled (better-sqlite3, bluetooth-hci-socket: same Node, same version, same machine)
# are copied instead of compiled a second time; every other install script still runs. `--fresh`
# does a plain `npm ci --omit=dev` with every install script (what a new machine does).
# Usage: scripts/check-production-install.sh [--fresh] [--keep]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
fresh=0
keep=0
for arg in "$@"; do
  case "$arg" in
    --fresh) fresh=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--fresh] [--keep]" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-prod-XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid" 2>/dev/null || true; fi
  if [ "$keep" = 1 ]; then echo "prod-install: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf 'prod-install: %s (%ss)\n' "$1" "$SECONDS"; }
fail() { echo "prod-install: FAILED: $1" >&2; exit 1; }

step "copying the repository to $work/app"
mkdir -p "$work/app"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done | xargs -0 cp --parents -t "$work/app")
cd "$work/app"
[ ! -e node_modules ] && [ ! -e dist ] || fail "the copy has node_modules or dist"

npm_flags=(--omit=dev --prefer-offline --no-audit --no-fund)
# Packages with install scripts (package.json allowScripts); those compiled from source here are reused.
mapfile -t scripted < <(node -e 'for (const name of Object.keys(require("./package.json").allowScripts ?? {})) console.log(name)')
if [ "$fresh" = 1 ] || [ ! -d "$repo/node_modules" ]; then
  step "npm ci ${npm_flags[*]}"
  npm ci "${npm_flags[@]}" > "$work/npm-ci.log" 2>&1 || { tail -30 "$work/npm-ci.log"; fail "npm ci"; }
else
  step "npm ci ${npm_flags[*]} --ignore-scripts, then the install scripts"
  npm ci "${npm_flags[@]}" --ignore-scripts > "$work/npm-ci.log" 2>&1 || { tail -30 "$work/npm-ci.log"; fail "npm ci"; }
  rebuild=()
  for name in "${scripted[@]}"; do
    [ -d "node_modules/$name" ] || continue # not installed without devDependencies (or not on this platform)
    mine="$repo/node_modules/$name"
    same_version="$(node -e 'const [a, b] = process.argv.slice(1).map((p) => { try { return require(p + "/package.json").version; } catch { return null; } }); console.log(a !== null && a === b ? 1 : 0)' "$mine" "$PWD/node_modules/$name")"
    if [ "$same_version" = 1 ] && compgen -G "$mine/build/Release/*.node" > /dev/null; then
      cp -a "$mine/build" "node_modules/$name/build"
      step "reused the compiled $name"
    else
      rebuild+=("$name")
    fi
  done
  if [ ${#rebuild[@]} -gt 0 ]; then
    step "install scripts of ${rebuild[*]}"
    npm rebuild "${rebuild[@]}" > "$work/npm-rebuild.log" 2>&1 || { tail -30 "$work/npm-rebuild.log"; fail "npm rebuild"; }
  fi
  step "npm run prepare"
  npm run prepare > "$work/prepare.log" 2>&1 || { cat "$work/prepare.log"; fail "prepare"; }
fi

for dev in vitest seam @seamapi/types @seamapi/http typescript playwright-core @types/node; do
  [ ! -e "node_modules/$dev" ] || fail "devDependency $dev is installed: this is not a production install"
done
[ -s dist/web/app.js ] && [ -s dist/web/sw.js ] && [ -s dist/web/manifest.json ] || fail "the install did not build dist/web"

latchkey() { node bin/latchkey.js "$@"; }
step "latchkey help"
latchkey help > "$work/help.out" || fail "latchkey help"
grep -q '^  latchkey up' "$work/help.out" || fail "latchkey help printed no usage"
step "latchkey fuzz --seconds 1"
latchkey fuzz --seconds 1 --seed 1 --json > "$work/fuzz.json" || fail "latchkey fuzz"
step "latchkey bench --quick"
latchkey bench --quick --json --out "$work/bench.json" > /dev/null || fail "latchkey bench --quick"
step "latchkey demo"
latchkey demo --json > "$work/demo.json" || fail "latchkey demo"

step "latchkey up"
node bin/latchkey.js up --port 0 --db "$work/latchkey.db" --json > "$work/up.out" 2> "$work/up.err" &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q '^{' "$work/up.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/up.err"; fail "latchkey up exited"; }
  sleep 0.1
done
grep -q '^{' "$work/up.out" || fail "latchkey up printed nothing in 60 s"
node --input-type=module -e '
import { readFileSync } from "node:fs";
const [outPath, bundlePath] = process.argv.slice(1);
const info = JSON.parse(readFileSync(outPath, "utf8").split("\n").find((l) => l.startsWith("{")));
const entrances = await fetch(`${info.url}/acs/entrances/list`, { method: "POST", headers: { authorization: `Bearer ${info.apiKey}` } });
const body = await entrances.json();
if (entrances.status !== 200 || body.acs_entrances.length !== info.doors.length) throw new Error(`acs/entrances/list: ${entrances.status}`);
const page = await fetch(info.instantKeyUrl);
if (page.status !== 200) throw new Error(`Instant Key page: ${page.status}`);
const script = await (await fetch(`${info.url}/ik-app/app.js`)).text();
if (script !== readFileSync(bundlePath, "utf8")) throw new Error("/ik-app/app.js is not the prebuilt dist/web/app.js");
' "$work/up.out" dist/web/app.js || fail "latchkey up did not serve the API and the prebuilt web app"
kill -TERM "$server_pid"
wait "$server_pid" || fail "latchkey up did not stop cleanly on SIGTERM"
server_pid=""
step "latchkey hci serve, and ble run attached to it over tcp:"
node bin/latchkey.js hci serve --controllers 2 --acl-buffer 27:8 --json > "$work/hci.out" 2> "$work/hci.err" &
server_pid=$!
for _ in $(seq 1 300); do grep -q '^{' "$work/hci.out" 2>/dev/null && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
endpoints="$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).controllers; console.log(c[0].tcp, c[1].tcp)' "$work/hci.out")" || { cat "$work/hci.err"; fail "latchkey hci serve printed no endpoints"; }
read -r lock_hci phone_hci <<< "$endpoints"
latchkey ble run --doors 1 --attempts 3 --relay-bound-ms 3000 --lock-hci "$lock_hci" --phone-hci "$phone_hci" --json > "$work/ble-hci.json" || fail "latchkey ble run over latchkey hci serve"
kill -TERM "$server_pid"
wait "$server_pid" || fail "latchkey hci serve did not stop cleanly on SIGTERM"
server_pid=""
step "every command works after npm ci --omit=dev"
