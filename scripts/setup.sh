#!/usr/bin/env bash
# One-step set-up on a fresh Debian 12 machine, as root: installs what is missing, builds berth,
# puts it on PATH, creates busybox:latest from Debian's busybox-static, and runs a short demo.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (berth mounts filesystems and runs containers)" >&2
  exit 1
fi

# Debian packages: busybox-static for the base image, runc and conmon to run containers,
# the registry for the registry tests (docker-registry = CNCF Distribution 2.8; apache2-utils for
# htpasswd, openssl for the test CA and token-signing cert, zstd for zstd layers), python3-docker
# (docker-py) for the Engine API tests, docker-compose (1.29, over docker-py) for the compose
# tests, netavark and aardvark-dns (with iptables) for bridge networks, published ports and name
# resolution between containers, bzip2 and xz-utils for bzip2- and xz-compressed build contexts and
# ADD archives; time (GNU time) for the peak memory bench/speed-bench.ts reports, util-linux for
# flock(1), which gates conmon's exit command on a foreground run (exit-follower.ts); chromium, the
# headless browser the web view's tests drive (through puppeteer-core, an npm dev dependency).
# npm fetches Node 24 and the npm packages; python3, make and g++ build better-sqlite3 (no prebuilt
# binary is reachable from these machines).
packages=(busybox-static runc conmon golang-github-containers-common tini ca-certificates git
  docker-registry apache2-utils openssl zstd python3-docker docker-compose netavark aardvark-dns iptables
  bzip2 xz-utils time util-linux chromium python3 make g++)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Only npm is needed from Debian (it brings Debian's Node to run on): berth's own Node comes below.
command -v npm >/dev/null || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

echo "== Node.js 24 LTS"
# berth runs on Node 24 LTS (Node 20 is past its end of life). Where the machine's node is older, the
# official binary and its headers come from the npm registry (package node-linux-ARCH, pinned here
# by version and checksum as package-lock.json pins the rest) into /usr/local/lib/berth, beside the
# system's node, which other programs keep using. node_modules/.berth-node names the Node that
# node_modules' native addons were built for; bin/berth and the tests run that one.
NODE_VERSION=24.22.3
declare -A NODE_INTEGRITY=(
  [x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
)
node_major() { "$1" -e 'console.log(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
system_node=$(command -v node || true)
if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 24 ]; then
  berth_node=$(readlink -f "$system_node")
else
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "setup.sh: no Node.js 24 package for $(uname -m)" >&2; exit 1 ;;
  esac
  node_prefix=/usr/local/lib/berth/node-v$NODE_VERSION-linux-$arch
  if [ ! -x "$node_prefix/bin/node" ]; then
    mkdir -p /usr/local/lib/berth
    # Unpacked beside its final place and renamed into it, so that a half-installed Node is never seen.
    tmp=$(mktemp -d "$node_prefix.XXXXXX")
    (cd "$tmp" && npm pack --silent --no-audit --no-fund "node-linux-$arch@$NODE_VERSION" >/dev/null)
    got=sha512-$(openssl dgst -sha512 -binary "$tmp/node-linux-$arch-$NODE_VERSION.tgz" | base64 -w0)
    if [ "$got" != "${NODE_INTEGRITY[$arch]}" ]; then
      echo "setup.sh: node-linux-$arch@$NODE_VERSION from the registry is not the one pinned here ($got)" >&2
      exit 1
    fi
    tar -xzf "$tmp/node-linux-$arch-$NODE_VERSION.tgz" -C "$tmp"
    mv -T "$tmp/package" "$node_prefix" 2>/dev/null || [ -x "$node_prefix/bin/node" ]
    rm -rf "$tmp"
  fi
  berth_node=$node_prefix/bin/node
fi
# Everything below (npm, node-gyp, tsc, berth itself) runs on that Node.
export PATH="$(dirname "$berth_node"):$PATH"
# Native addons build against the headers beside the binary: the machine cannot fetch them.
node_headers=$(dirname "$(dirname "$berth_node")")
[ -f "$node_headers/include/node/common.gypi" ] && export npm_config_nodedir="$node_headers"
echo "node $("$berth_node" --version) at $berth_node"

echo "== npm packages and build"
# Installs exactly what package-lock.json pins (`npm ci`), only when it or the Node changed; native
# addons build from source here. The lock lists node-unix-socket's prebuilt packages for other
# platforms as optional entries without a tarball: npm ci checks they are listed and skips them, as
# they are not for this platform (the registry does not even have most of them). npm's own script
# is run with berth's Node, whatever its shebang says.
lock_hash=$( (cat package.json package-lock.json; echo "$berth_node $("$berth_node" --version)") | sha256sum | cut -d' ' -f1)
if [ "$(cat node_modules/.berth-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  "$berth_node" "$(readlink -f "$(command -v npm)")" ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.berth-lock-hash
fi
ln -sfn "$berth_node" node_modules/.berth-node
npm run build --silent

echo "== berth on PATH"
ln -sf "$PWD/bin/berth" /usr/local/bin/berth
berth --version

echo "== busybox:latest from Debian's busybox-static"
if ! berth image inspect busybox:latest >/dev/null 2>&1; then
  tar_file=$(mktemp /tmp/busybox-rootfs.XXXXXX.tar)
  scripts/busybox-rootfs.sh "$tar_file"
  berth import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["sh"]' \
    "$tar_file" busybox:latest
  rm -f "$tar_file"
fi

if [ "${BERTH_SETUP_NO_DEMO:-}" != 1 ]; then
  scripts/demo.sh
fi
