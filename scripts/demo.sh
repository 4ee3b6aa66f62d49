#!/usr/bin/env bash
# berth's main job, the loop of "Creating Custom Images": run a container from an image, change
# its files, see the change with diff, commit it as a new image, run that image, read its history.
set -euo pipefail
. "$(dirname "$0")/show-command.sh"
berth rm -f demo-dev >/dev/null 2>&1 || true
berth rmi demo/hello:v1 >/dev/null 2>&1 || true
run berth images
# --network none: the loop needs no network, and set-up should not build a bridge on the host.
run berth run --network none --name demo-dev busybox:latest sh -c 'echo "hello from a committed layer" > /hello.txt; rm /bin/vi'
run berth diff demo-dev
run berth commit -a "berth demo" -m "Added /hello.txt" -c 'CMD ["cat", "/hello.txt"]' demo-dev demo/hello:v1
run berth run --rm --network none demo/hello:v1
run berth history demo/hello:v1
run berth rm demo-dev
archive=$(mktemp /tmp/berth-demo.XXXXXX.tar)
run berth save -o "$archive" demo/hello:v1
run berth rmi demo/hello:v1
run berth load -i "$archive"
rm -f "$archive"
run berth images --filter reference='demo/*'
run berth rmi demo/hello:v1
# The other way to build an image: the same change, written down in a Dockerfile.
context=$(mktemp -d /tmp/berth-demo-build.XXXXXX)
printf 'FROM busybox:latest\nRUN echo "hello from a Dockerfile" > /hello.txt && rm /bin/vi\nCMD ["cat", "/hello.txt"]\n' > "$context/Dockerfile"
run berth build --progress plain --network none -t demo/hello:v2 "$context"
run berth run --rm --network none demo/hello:v2
run berth build --progress plain --network none -t demo/hello:v2 "$context"
rm -rf "$context"
run berth rmi demo/hello:v2
run berth builder prune -af
run berth system check
