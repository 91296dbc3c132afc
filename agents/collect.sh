#!/bin/sh
# unitscore collection script. Runs on a scanned host as an unprivileged user, reads only, and
# prints one framed report document on stdout (format: agents/README.md). POSIX sh (dash).
#
# Sent by the collector on the stdin of `sh -s` with UNITSCORE_BOUNDARY preset, or run by a
# forced command / the push agent, in which case it picks its own boundary.
set -u

boundary=${UNITSCORE_BOUNDARY:-}
case $boundary in
  *[!A-Za-z0-9]*) boundary= ;;
esac
if [ -z "$boundary" ]; then
  boundary=$(tr -d '-' </proc/sys/kernel/random/uuid 2>/dev/null)
  [ -n "$boundary" ] || boundary="u$$$(date +%s)"
fi

# A fixed environment so the output does not depend on the login shell (systemd-analyze.md §8).
# SYSTEMD_ANALYZE_DEBUG adds each check's weight, badness and range: the host's own score table.
LC_ALL=C.UTF-8
SYSTEMD_COLORS=0
SYSTEMD_URLIFY=0
SYSTEMD_EMOJI=0
SYSTEMD_PAGER=
SYSTEMD_ANALYZE_DEBUG=1
TERM=dumb
export LC_ALL SYSTEMD_COLORS SYSTEMD_URLIFY SYSTEMD_EMOJI SYSTEMD_PAGER SYSTEMD_ANALYZE_DEBUG TERM
unset NO_COLOR 2>/dev/null || true

tmp=$(mktemp -d 2>/dev/null) || tmp=
cleanup() { [ -n "$tmp" ] && rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

# Every frame line starts on a fresh line: the newline before it belongs to the frame, not to
# the section, so a section's bytes are exactly what the command printed.
frame() {
  printf '\n@%s %s\n' "$boundary" "$*"
}

# run NAME CMD...: the command's stdout as section NAME, its stderr as NAME-stderr, then its
# exit status.
run() {
  name=$1
  shift
  frame "section $name"
  if [ -n "$tmp" ]; then
    "$@" 2>"$tmp/stderr"
    rc=$?
    frame "section $name-stderr"
    cat "$tmp/stderr"
  else
    "$@" 2>/dev/null
    rc=$?
  fi
  frame "exit $name $rc"
}

meta() {
  printf '%s=%s\n' "$1" "$(printf '%s' "$2" | tr -d '\r\n')"
}

os_release() {
  for f in /etc/os-release /usr/lib/os-release; do
    if [ -r "$f" ]; then
      sed -n "s/^$1=//p" "$f" | head -n 1 | sed 's/^"\(.*\)"$/\1/'
      return
    fi
  done
}

# The keys `systemd-analyze security` reads, and so the score model: a unit's files show what its
# checks hide (an explicit User=root, DeviceAllow= entries, an allow list's calls). Only these
# lines leave the host: unit files may hold secrets in Environment= and the like.
SCORED_KEYS='DynamicUser PrivateDevices PrivateMounts PrivateNetwork PrivateTmp PrivateUsers
ProtectControlGroups ProtectKernelModules ProtectKernelTunables ProtectKernelLogs ProtectClock
ProtectHostname LockPersonality MemoryDenyWriteExecute NoNewPrivileges RestrictRealtime
RestrictSUIDSGID RemoveIPC DefaultDependencies ProtectSystem ProtectHome KeyringMode ProtectProc
ProcSubset NotifyAccess DevicePolicy User UMask Delegate SupplementaryGroups MountImages
RootDirectory RootImage CapabilityBoundingSet AmbientCapabilities RestrictNamespaces
RestrictAddressFamilies SystemCallArchitectures SystemCallFilter IPAddressDeny IPAddressAllow
IPIngressFilterPath IPEgressFilterPath DeviceAllow'
SCORED_KEYS=$(printf '%s' "$SCORED_KEYS" | tr '\n' ' ')

# What `systemctl cat` prints for each unit (its fragment, then its drop-ins, each after a
# "# /path" line), reduced to section headers and scored assignments, with backslash
# continuations joined first as systemd reads them. One `systemctl show` and one awk for all
# units: a `systemctl cat` per unit costs ~4 ms each.
unit_files() {
  systemctl show --no-pager -p Id,FragmentPath,DropInPaths -- "$@" 2>/dev/null | awk -v keys="$SCORED_KEYS" '
    BEGIN { n = split(keys, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 }
    function emit(path,   line, pending, s, eq, key) {
      print "# " path
      pending = ""
      while ((getline line < path) > 0) {
        line = pending line
        pending = ""
        if (line ~ /\\$/) { pending = substr(line, 1, length(line) - 1) " "; continue }
        s = line
        sub(/^[ \t]+/, "", s)
        if (s ~ /^\[/) { print s; continue }
        eq = index(s, "=")
        if (eq < 2) continue
        key = substr(s, 1, eq - 1)
        sub(/[ \t]+$/, "", key)
        if (key in want) print s
      }
      close(path)
    }
    function flush(   i, m, parts) {
      if (id == "") return
      print ">>> " id
      if (fragment != "") emit(fragment)
      m = split(dropins, parts, " ")
      for (i = 1; i <= m; i++) emit(parts[i])
      id = ""; fragment = ""; dropins = ""
    }
    /^Id=/ { id = substr($0, 4); next }
    /^FragmentPath=/ { fragment = substr($0, 14); next }
    /^DropInPaths=/ { dropins = substr($0, 13); next }
    /^$/ { flush() }
    END { flush() }'
}

printf 'unitscore-report 1 %s\n' "$boundary"
frame "section meta"
meta agent 'collect.sh 2'
meta hostname "$(cat /proc/sys/kernel/hostname 2>/dev/null || hostname 2>/dev/null)"
meta machine_id "$(cat /etc/machine-id 2>/dev/null)"
meta os_name "$(os_release NAME)"
meta os_version "$(os_release VERSION_ID)"
meta os_pretty "$(os_release PRETTY_NAME)"
meta kernel "$(uname -r 2>/dev/null)"
meta user "$(id -un 2>/dev/null)"
meta collected_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
# The sandbox the collection runs in, as the kernel sees it (agents/unitscore-sshd@.service:
# NoNewPrivs 1, Seccomp 2 = filtered, no effective capabilities).
meta no_new_privs "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status 2>/dev/null)"
meta seccomp "$(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/self/status 2>/dev/null)"
meta cap_eff "$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>/dev/null)"

if ! command -v systemd-analyze >/dev/null 2>&1; then
  meta analyze missing
  frame end
  exit 0
fi
version_line=$(systemd-analyze --version 2>/dev/null | head -n 1)
meta systemd "$version_line"
version=$(printf '%s\n' "$version_line" | sed -n 's/^systemd \([0-9][0-9]*\).*/\1/p')
meta systemd_version "$version"
if [ -z "$version" ] || [ "$version" -lt 240 ]; then
  meta analyze unsupported
  frame end
  exit 0
fi
meta analyze ok

run overview systemd-analyze security --no-pager

# Every loaded service unit, one argument each; the host's own shell does the splitting, and
# systemd escapes unit names so they contain no white space.
units=$(systemctl list-units --all --type=service --state=loaded --no-legend --plain --no-pager 2>/dev/null |
  awk '{ if ($1 == "\342\227\217") print $2; else print $1 }' | grep '\.service$' | sort -u)
frame "section unit-list"
printf '%s' "$units"

if [ -n "$units" ]; then
  # From 250 the JSON alone has every row's values, its closing overview array names the units
  # and gives their scores, and it is half the size of the debug text table, which is then not
  # printed: the report is parsed once, from half the bytes. The text table comes as well when
  # the JSON printed nothing (a build without it) or when it cannot be checked (no $tmp).
  text=yes
  if [ "$version" -ge 250 ]; then
    if [ -n "$tmp" ]; then
      # shellcheck disable=SC2086
      run units-json systemd-analyze security --no-pager --json=short $units >"$tmp/json"
      [ -s "$tmp/json" ] && grep -q '^\[' "$tmp/json" && text=no
      cat "$tmp/json"
    else
      # shellcheck disable=SC2086
      run units-json systemd-analyze security --no-pager --json=short $units
    fi
  fi
  if [ "$text" = yes ]; then
    # shellcheck disable=SC2086
    run units systemd-analyze security --no-pager $units
  fi
  frame "section unit-files"
  # shellcheck disable=SC2086
  unit_files $units
fi
frame end
