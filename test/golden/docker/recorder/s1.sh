. /tmp/dref/work/lib.sh
section "1. docker import"
SLEEP_IMPORT=1
say "(The recorder sleeps 1.1 s before every docker import so that every image gets a distinct Created second; this makes the Created-descending order of docker images deterministic.)"
P='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
NOTE="the sha256 image ID (config contains the creation time, so it changes on every run)"
rec import-named.txt "docker import -c '$P' -c 'CMD [\"sh\"]' rootfs.tar busybox:latest"
NOTE="image ID"
rec import-noname.txt "docker import rootfs.tar"
NOTE="image ID"
rec import-repo-only.txt "docker import rootfs.tar imprepo"
NOTE="image ID"
rec import-message.txt "docker import -m 'msg' rootfs.tar msgimg:latest"
NOTE="image ID"
rec import-message-and-change.txt "docker import -m 'hello world' -c 'CMD [\"sh\"]' rootfs.tar msgchg:latest"
chg() { # name change
  NOTE="image ID"
  rec "import-change-$1.txt" "docker import -c '$2' rootfs.tar chg:$1"
  if docker image inspect chg:$1 >/dev/null 2>&1; then
    rec "inspect-change-$1-config.json" "docker image inspect chg:$1 | jq '.[0].Config'"
  fi
}
chg expose 'EXPOSE 80'
chg expose-multi 'EXPOSE 80/udp 443 8080/tcp'
chg volume 'VOLUME /data'
chg volume-json 'VOLUME ["/a", "/b"]'
chg workdir 'WORKDIR /w'
chg workdir-relative 'WORKDIR w'
chg user 'USER nobody'
chg label 'LABEL a=b'
chg label-multi 'LABEL a=b c="d e"'
chg entrypoint 'ENTRYPOINT ["/bin/sh"]'
chg entrypoint-shell 'ENTRYPOINT /bin/sh -c x'
chg cmd-json 'CMD ["sh"]'
chg cmd-shell 'CMD echo hi'
chg stopsignal 'STOPSIGNAL SIGINT'
chg onbuild 'ONBUILD RUN x'
chg env-multi 'ENV A=1 B=2'
chg env-legacy 'ENV A 1'
chg healthcheck 'HEALTHCHECK --interval=5s CMD true'
chg lowercase 'expose 81'
chg run 'RUN x'
chg from 'FROM x'
chg copy 'COPY a b'
chg add 'ADD a b'
chg maintainer 'MAINTAINER me'
chg arg 'ARG x'
chg shell 'SHELL ["/bin/sh", "-c"]'
chg unknown 'BOGUS x'
chg empty ''
NOTE="image ID"
rec import-allchanges.txt "docker import -c 'EXPOSE 80' -c 'VOLUME /data' -c 'WORKDIR /w' -c 'USER nobody' -c 'LABEL a=b' -c 'ENTRYPOINT [\"/bin/sh\"]' -c 'ONBUILD RUN x' -c 'ENV A=1 B=2' -c 'CMD [\"sh\"]' -m 'all changes' rootfs.tar allchanges:latest"
NOTE="image ID"
NOTE="image ID"
rec import-allchanges-with-stopsignal.txt "docker import -c 'EXPOSE 80' -c 'STOPSIGNAL SIGINT' rootfs.tar allchanges2:latest"
NOTE="image ID"
rec import-stdin.txt "docker import - stdinimg:latest < rootfs.tar"
NOTE="image ID"
rec import-stdin-pipe.txt "cat rootfs.tar | docker import - stdinpipe:latest"
NOTE="image ID"
rec import-gzip.txt "docker import rootfs.tar.gz gzimg:latest"
NOTE="image ID"
rec import-tag-explicit.txt "docker import rootfs.tar imprepo:1.0"
rec import-invalid-name.txt "docker import rootfs.tar Foo"
rec import-invalid-name-colons.txt "docker import rootfs.tar a:b:c"
rec import-garbage.txt "docker import garbage.txt garbageimg"
rec import-garbage-binary.txt "docker import garbage.bin garbageimg"
NOTE="image ID"
rec import-empty.txt "docker import empty.tar emptyimg"
rec import-noargs.txt "docker import"

section "1b. docker image inspect of imported images"
NOTE="Id, Created, Metadata.LastTagTime, GraphDriver.Data paths (overlay2 dir ids). RootFS.Layers diffID is stable because rootfs.tar is built deterministically."
rec inspect-imported.json "docker image inspect busybox"
NOTE="Id, Created, Metadata.LastTagTime, GraphDriver.Data paths"
rec inspect-allchanges.json "docker image inspect allchanges:latest"
NOTE="Id, Created, GraphDriver.Data paths"
NOID=$(cat $G/import-noname.txt)
rec inspect-noname.json "docker image inspect $NOID"
NOTE="Id, Created, Metadata.LastTagTime, GraphDriver.Data paths"
rec inspect-message.json "docker image inspect msgimg"
NOTE="Id, Created, Metadata.LastTagTime, GraphDriver.Data paths"
rec inspect-gzip.json "docker image inspect gzimg"
NOTE="Id, Created, Metadata.LastTagTime, GraphDriver.Data paths"
rec inspect-stdin.json "docker image inspect stdinimg"
NOTE="Id, Created, Metadata.LastTagTime, GraphDriver.Data paths"
rec inspect-generic-busybox.json "docker inspect busybox"
rec inspect-format-config-client.txt "docker image inspect -f '{{json .Config}}' allchanges:latest"
rec inspect-format-containerconfig-client.txt "docker image inspect -f '{{json .ContainerConfig}}' allchanges:latest"

section "1c. cleanup after import cases"
step "docker rmi \$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^(chg|imprepo|stdinpipe|stdinimg|gzimg|msgchg|emptyimg|allchanges2):')"
step "docker images"
