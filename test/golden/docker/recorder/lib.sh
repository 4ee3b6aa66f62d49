G=/work/main/test/golden/docker
F=/work/main/test/fixtures
S=$G/SOURCES.md
export DOCKER_HOST=unix:///tmp/dref/d.sock
W=/tmp/dref/work
NOTE=
_stderr_block() {
  if [ -s /tmp/dref/err ]; then
    echo 'stderr:'; echo '```'; cat /tmp/dref/err
    [ "$(tail -c1 /tmp/dref/err | od -An -c | tr -d ' ')" = '\n' ] || { echo; echo '(stderr has no trailing newline)'; }
    echo '```'
  else echo 'stderr: (empty)'; fi
}
# rec FILE CMD : run CMD (in $W), stdout -> $G/FILE, log to SOURCES.md
rec() {
  local f=$1 cmd=$2 rc
  case "$cmd" in "docker import "*|*"| docker import "*) [ -n "${SLEEP_IMPORT:-}" ] && sleep 1.1;; esac
  ( cd $W && bash -c "$cmd" ) > "$G/$f" 2> /tmp/dref/err; rc=$?
  {
    echo "### $f"; echo; echo '```sh'; echo "$cmd"; echo '```'; echo
    echo "exit code: $rc"; echo
    _stderr_block
    [ -s "$G/$f" ] || { echo; echo 'stdout: (empty)'; }
    [ -n "$NOTE" ] && [ -s "$G/$f" ] && { echo; echo "varies: $NOTE"; }
    echo
  } >> $S
  NOTE=
  echo "[$rc] $f"
}
# step CMD : setup step, stdout+stderr logged inline into SOURCES.md
step() {
  local cmd=$1 rc
  ( cd $W && bash -c "$cmd" ) > /tmp/dref/out 2> /tmp/dref/err; rc=$?
  {
    echo "#### setup step (no file)"; echo; echo '```sh'; echo "$cmd"; echo '```'; echo
    echo "exit code: $rc"; echo
    if [ -s /tmp/dref/out ]; then echo 'stdout:'; echo '```'; cat /tmp/dref/out; echo '```'; else echo 'stdout: (empty)'; fi
    _stderr_block; echo
  } >> $S
  NOTE=
  echo "[$rc] step: $cmd"; cat /tmp/dref/out /tmp/dref/err | head -20
}
section() { printf '\n## %s\n\n' "$1" >> $S; }
say() { printf '%s\n\n' "$1" >> $S; }
