#!/usr/bin/env bash
# `npm test`'s pretest: provisions what the tests need beyond npm, so `npm ci && npm test` passes on a fresh machine.
# Each step is idempotent and takes well under a second when its tool is already there.
#   - a headless Chromium for the console browser tests (scripts/install-browser.sh)
#   - cfn-lint at the pinned version for the template validation test (scripts/install-cfn-lint.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-browser.sh | tail -n 1
bash scripts/install-cfn-lint.sh | tail -n 1
