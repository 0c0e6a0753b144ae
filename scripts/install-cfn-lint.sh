#!/usr/bin/env bash
# Provides cfn-lint (AWS's CloudFormation linter) at the version the project pins, for test/infra/cfn-lint.test.ts.
# Idempotent and quick when it is already there. The last line printed is the executable's path.
#
# Order: a cfn-lint on PATH at the pinned version; else a project-local virtualenv in node_modules/.cache/lumos-cfn-lint
# (python3 -m venv + pip install cfn-lint==<pin>, from whatever index pip is configured with).
set -euo pipefail
cd "$(dirname "$0")/.."

PIN="$(node -p "require('./package.json').config.cfnLintVersion")"
VENV="${LUMOS_CFN_LINT_DIR:-$PWD/node_modules/.cache/lumos-cfn-lint}"

version_of() { "$1" --version 2>/dev/null | awk '{print $2}'; }

for candidate in "$VENV/bin/cfn-lint" "$(command -v cfn-lint || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(version_of "$candidate")" = "$PIN" ]; then
    echo "cfn-lint $PIN already available"
    echo "$candidate"
    exit 0
  fi
done

command -v python3 >/dev/null || { echo "python3 is needed to install cfn-lint $PIN" >&2; exit 1; }
echo "installing cfn-lint $PIN into $VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$PIN"
if [ "$(version_of "$VENV/bin/cfn-lint")" = "$PIN" ]; then
  echo "$VENV/bin/cfn-lint"
else
  echo "cfn-lint $PIN was installed but does not run; see the output above" >&2
  exit 1
fi
