# stop dockerd started by us, wipe state, restart
if [ -f /tmp/dref/pid ]; then P=$(cat /tmp/dref/pid); kill $P; for i in $(seq 1 30); do kill -0 $P 2>/dev/null || break; sleep 1; done; fi
grep /tmp/dref /proc/mounts | awk '{print $2}' | sort -r | while read m; do umount "$m"; done
rm -rf /tmp/dref/root /tmp/dref/exec /tmp/dref/pid /tmp/dref/d.sock
dockerd --data-root /tmp/dref/root --exec-root /tmp/dref/exec --pidfile /tmp/dref/pid --host unix:///tmp/dref/d.sock --iptables=false --bridge=none --default-ulimit nofile=20000:20000 > /tmp/dref/log 2>&1 &
for i in $(seq 1 30); do DOCKER_HOST=unix:///tmp/dref/d.sock docker version >/dev/null 2>&1 && break; sleep 1; done
echo "dockerd pid $(cat /tmp/dref/pid)"
