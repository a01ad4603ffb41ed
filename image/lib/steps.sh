# Step-by-step progress for image/build.sh: each step is announced; a failure names the step,
# the command and why, and the build stops.
# shellcheck shell=bash
STEP_N=0
STEP_TOTAL=0
STEP_NAME=""
STEP_T=0

steps_begin() {
  STEP_TOTAL=$1
  trap 'on_error $? "$BASH_COMMAND"' ERR
}

step() {
  local now
  now=$(date +%s)
  [ "$STEP_N" = 0 ] || printf '  done in %ss\n' $((now - STEP_T))
  STEP_N=$((STEP_N + 1))
  STEP_NAME=$1
  STEP_T=$now
  printf '\n==> [%s/%s] %s\n' "$STEP_N" "$STEP_TOTAL" "$1"
}

die() {
  printf '\nimage build FAILED at step %s/%s (%s): %s\n' "$STEP_N" "$STEP_TOTAL" "$STEP_NAME" "$1" >&2
  trap - ERR
  exit 1
}

on_error() {
  die "command failed (exit $1): $2"
}

# kernel_at_least MAJOR MINOR
kernel_at_least() {
  local v
  v=$(uname -r)
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%[!0-9]*}
  [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}
