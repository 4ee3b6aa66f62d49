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
# resolution between containers.
packages=(busybox-static runc conmon golang-github-containers-common tini ca-certificates git
  docker-registry apache2-utils openssl zstd python3-docker docker-compose netavark aardvark-dns iptables)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  missing+=(nodejs npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

echo "== npm packages and build"
# Installs exactly what package-lock.json pins (`npm ci`), only when it changed; native addons
# build from source here. The lock lists node-unix-socket's prebuilt packages for other platforms
# as optional entries without a tarball: npm ci checks they are listed and skips them, as they are
# not for this platform (the registry does not even have most of them).
lock_hash=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat node_modules/.berth-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.berth-lock-hash
fi
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
