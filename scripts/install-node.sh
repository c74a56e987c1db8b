#!/usr/bin/env bash
# Puts the Node.js that .nvmrc names into .node/bin when the machine's own is older, taking the official
# binary from the npm registry's node-linux-<arch> package (the registry these machines reach; nodejs.org is not).
# Prints the folder to put first on PATH: `export PATH="$(scripts/install-node.sh):$PATH"`.
set -euo pipefail
castsync_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wanted_major="$(tr -dc '0-9' < "$castsync_root/.nvmrc")"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$castsync_root/.node/bin/node" ] && [ "$(node_major "$castsync_root/.node/bin/node")" = "$wanted_major" ]; then
  :
elif command -v node >/dev/null && [ "$(node_major node)" -ge "$wanted_major" ]; then
  :
else
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "install-node: no node-linux package for $(uname -m); install Node.js $wanted_major yourself" >&2; exit 1 ;;
  esac
  download="$(mktemp -d)"
  echo "install-node: Node.js $wanted_major (node-linux-$arch) into .node/bin" >&2
  (cd "$download" && npm pack --silent "node-linux-$arch@$wanted_major" >/dev/null)
  mkdir -p "$castsync_root/.node/bin"
  tar -xzf "$download"/node-linux-"$arch"-*.tgz -C "$download" package/bin/node
  mv "$download/package/bin/node" "$castsync_root/.node/bin/node"
  rm -rf "$download"
fi

if [ -x "$castsync_root/.node/bin/node" ]; then
  echo "$castsync_root/.node/bin"
else
  dirname "$(command -v node)"
fi
