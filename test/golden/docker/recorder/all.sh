set -u
. /tmp/dref/work/lib.sh
mkdir -p $G $F; rm -f $G/*.txt $G/*.json $G/SOURCES.md  # keeps FACTS.md and recorder/
cat > $S <<HDR
# Sources of the Docker reference fixtures

Reference engine: Docker Engine $(docker version -f '{{.Server.Version}}') (Debian docker.io, API $(docker version -f '{{.Server.APIVersion}}'), storage driver overlay2),
client: docker CLI $(docker version -f '{{.Client.Version}}') (/usr/local/bin/docker, negotiated down to API 1.41).

Daemon started as:

\`\`\`sh
mkdir -p /tmp/dref && dockerd --data-root /tmp/dref/root --exec-root /tmp/dref/exec --pidfile /tmp/dref/pid --host unix:///tmp/dref/d.sock --iptables=false --bridge=none --default-ulimit nofile=20000:20000 > /tmp/dref/log 2>&1 &
\`\`\`

Every command below ran with \`DOCKER_HOST=unix:///tmp/dref/d.sock\` in the environment, via \`bash -c '<command>'\`
with working directory \`/tmp/dref/work\`, stdout redirected into the named file (byte-exact, nothing normalised),
stderr captured and shown here. Sections appear in the order they were executed (the daemon state carries over);
"setup step" entries produced no file and show their stdout inline.

Input files in /tmp/dref/work (built by \`recorder/mkrootfs.sh\`; the whole run is \`recorder/reset.sh\` then \`recorder/all.sh\`, which sources \`lib.sh\` and runs s1, s6, s7, s8, s2, s9, s5 in that order; copies of the scripts are in \`recorder/\`):

- \`rootfs.tar\`: deterministic tar (\`tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2024-01-01T00:00:00Z -C rootfs -cf rootfs.tar .\`)
  of \`./bin/busybox\` (Debian busybox-static $(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null), $(stat -c %s /bin/busybox) bytes) plus one symlink \`bin/<applet> -> busybox\` per applet of \`busybox --list\`
  ($(busybox --list | wc -l) applets). $(stat -c %s $W/rootfs.tar) bytes, sha256 $(sha256sum $W/rootfs.tar | cut -c1-64) (this is the layer diffID).
- \`rootfs.tar.gz\`: \`gzip -9 -n -c rootfs.tar\`.
- \`rootfs2.tar\`: same tar flags, one file \`./etc/hello\` ("hello\\n"); sha256 $(sha256sum $W/rootfs2.tar | cut -c1-64).
- \`rootfs3.tar\`: same tar flags, one file \`./etc/third\` ("third\\n"); sha256 $(sha256sum $W/rootfs3.tar | cut -c1-64).
- \`garbage.txt\`: the 26 bytes "this is not a tar archive\\n"; \`garbage.bin\`: 4096 random bytes; \`empty.tar\`: 0 bytes.

Things that vary between runs (never normalised in the files): image IDs (the config JSON embeds the creation time),
\`Created\`/\`LastTagTime\` timestamps, the "N seconds/minutes ago" texts, overlay2 directory names in GraphDriver.Data,
container IDs. Layer diffIDs of the deterministic tars do not vary. Each entry below lists what varies in it under "varies:".

HDR
for s in s1 s6 s7 s8 s2 s9 s5; do echo "=== $s"; bash /tmp/dref/work/$s.sh; done
