# Sourced by scripts/demo.sh: `run CMD ARGS...` prints the command, then runs it.
# Each command is shown as it can be pasted back into a shell: words that need quoting are printed
# in single quotes (a single quote inside becomes '\'').
quote() {
  local word=$1
  if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
    printf '%s' "$word"
  else
    printf "'%s'" "${word//\'/\'\\\'\'}"
  fi
}
run() {
  local line="" word
  for word in "$@"; do line+="${line:+ }$(quote "$word")"; done
  printf '\n$ %s\n' "$line"
  "$@"
}
