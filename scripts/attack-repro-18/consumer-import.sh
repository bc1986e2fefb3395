#!/bin/sh
# Attack repro (issue 18): an app developer importing `latchkey/phone` as docs/SDK.md shows
# (`import { createPhone, … } from 'latchkey/phone'`), from a fresh checkout after `npm install`.
# 1. browser bundler (esbuild, platform browser → the "browser" export condition): dist/sdk/phone.js does
#    not exist — `prepare` runs only build-web, not build:sdk, and dist/ is not committed.
# 2. plain Node (no tsx): the "default" condition is src/sdk/index.ts → ERR_UNKNOWN_FILE_EXTENSION.
# Run from the worktree: sh scripts/attack-repro-18/consumer-import.sh   (exit 1 when either fails)
set -u
repo=$(pwd)
dir=$(mktemp -d /tmp/a18-consumer.XXXX)
mkdir -p "$dir/node_modules" && ln -s "$repo" "$dir/node_modules/latchkey"
printf 'import { createPhone } from "latchkey/phone";\nconsole.log(typeof createPhone);\n' > "$dir/app.mjs"
fail=0
echo "dist/sdk/phone.js present: $(test -f dist/sdk/phone.js && echo yes || echo NO)"
echo "prepare script: $(node -p 'require("./package.json").scripts.prepare')"
(cd "$dir" && "$repo/node_modules/.bin/esbuild" app.mjs --bundle --platform=browser --format=esm --outfile=out.js --log-level=error) || { echo "browser bundle: FAILED"; fail=1; }
(cd "$dir" && node app.mjs) || { echo "plain node import: FAILED"; fail=1; }
exit $fail
