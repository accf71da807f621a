#!/usr/bin/env bash
# Real-browser tests of `normshift serve` (tests/browser/serve.test.mjs):
# Playwright from npm (playwright-core: it downloads no browser) drives
# Debian's Chromium against the release binary. Installs what it needs:
# Chromium with apt-get where missing, the npm packages with `npm ci` from
# the committed package-lock.json. Screenshots go to target/browser-shots/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
command -v node >/dev/null || (apt-get update && apt-get install -y nodejs npm)
cargo build --release --bin normshift
export NORMSHIFT_BIN="$PWD/target/release/normshift"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd tests/browser
npm ci --no-audit --no-fund
timeout 300 node --test --test-concurrency=1 serve.test.mjs
