#!/usr/bin/env bash
# The README's console screenshots, taken by the browser tests (test/browser/) on the local stack:
# run them, then copy the six the README shows into docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
npx jest test/browser/cardForm.test.ts test/browser/simulator.test.ts test/browser/orderStatusBot.test.ts test/browser/cardHealth.test.ts
for name in console-card-form console-card-form-test console-simulator console-order-status-built console-order-status-simulator console-card-health; do
  cp "test-artifacts/$name.png" "docs/screenshots/$name.png"
done
ls -l docs/screenshots/
