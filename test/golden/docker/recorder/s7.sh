. /tmp/dref/work/lib.sh
section "7. docker save"
mkdir -p $F
rm -f $F/docker-save-busybox.tar $F/docker-save-two.tar
say "State at this point: \`docker images\` shows busybox:latest (single tag), msgimg:latest, allchanges:latest, one dangling <none>:<none>; all share one layer."
rec save-busybox.txt "docker save busybox -o /work/main/test/fixtures/docker-save-busybox.tar"
rec save-two.txt "docker save busybox allchanges:latest -o /work/main/test/fixtures/docker-save-two.tar"
rec save-stdout-redirect.txt "docker save busybox > /tmp/dref/work/save-stdout.tar && cmp /tmp/dref/work/save-stdout.tar /work/main/test/fixtures/docker-save-busybox.tar && echo identical"
BB=$(docker images -q --no-trunc busybox:latest)
rec save-by-id.txt "docker save ${BB:7:12} -o /tmp/dref/work/save-by-id.tar"
rec save-nosuch.txt "docker save nosuch -o /tmp/dref/work/nosuch.tar"
step "ls -la /tmp/dref/work/nosuch.tar"
rec save-nosuch-mixed.txt "docker save busybox nosuch -o /tmp/dref/work/mixed.tar"
step "ls -la /tmp/dref/work/mixed.tar"
rec save-nosuch-stdout.txt "set -o pipefail; docker save nosuch | wc -c"
rec save-noargs.txt "docker save"
rec save-same-twice.txt "docker save busybox busybox:latest ${BB:7:12} -o /tmp/dref/work/save-dup.tar && tar -xOf /tmp/dref/work/save-dup.tar manifest.json"
say "Archive layouts:"
for t in $F/docker-save-busybox.tar $F/docker-save-two.tar /tmp/dref/work/save-by-id.tar; do
  {
    echo "#### \`tar -tvf $t\`"; echo; echo "size: $(stat -c %s $t) bytes"; echo; echo '```'; tar -tvf $t; echo '```'; echo
    for m in manifest.json index.json repositories oci-layout; do
      echo "\`$m\` (\`tar -xOf $t $m\`):"; echo; echo '```'
      tar -xOf $t $m 2>&1; echo; echo '```'; echo
    done
    cfg=$(tar -xOf $t manifest.json | jq -r '.[0].Config')
    echo "\`$cfg\` (image config, first image):"; echo; echo '```'; tar -xOf $t $cfg; echo; echo '```'; echo
    for j in $(tar -tf $t | grep '/json$' | head -1); do
      echo "\`$j\` (legacy v1 layer json):"; echo; echo '```'; tar -xOf $t $j; echo; echo '```'; echo
      v=${j%/json}/VERSION
      echo "\`$v\`:"; echo; echo '```'; tar -xOf $t $v | od -c; echo '```'; echo
    done
  } >> $S
done
