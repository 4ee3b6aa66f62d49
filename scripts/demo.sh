#!/usr/bin/env bash
# berth's main job in a few commands, on the store the set-up filled: name an image, read its
# history, carry it out as an archive and back in again.
set -euo pipefail
run() { printf '\n$ %s\n' "$*"; "$@"; }
run berth images
run berth tag busybox:latest demo/busybox:v1
run berth history demo/busybox:v1
run berth image inspect -f 'Id={{.Id}} Cmd={{json .Config.Cmd}} Layers={{len .RootFS.Layers}}' demo/busybox:v1
archive=$(mktemp /tmp/berth-demo.XXXXXX.tar)
run berth save -o "$archive" demo/busybox:v1
run berth rmi demo/busybox:v1
run berth load -i "$archive"
run berth images --filter reference='demo/*'
run berth rmi demo/busybox:v1
rm -f "$archive"
run berth system check
