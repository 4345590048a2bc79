# Helpers for the bats integration suite (tests/integration/*.bats).
#
# Runs against any runc-compatible runtime: RUNTIME (default: <repo>/capsule).
#   RUNTIME=runc tests/integration/run
#   /work/shared/hybrid-ns env RUNTIME=crun tests/integration/run
#
# Per test: a fresh busybox bundle ($BUNDLE, rootfs hardlinked from a cache: never
# write into an existing rootfs file in place, replace it), a private state dir
# ($STATE_ROOT, passed as --root), and unique container ids (ctr_id).
#
# Containers without a terminal inherit the runtime's stdio, so a `create` or
# `run -d` under bats' `run` would hang until the container exits (the pipe stays
# open).  Use run_bg for those: stdio goes to a file instead.
#
# Cgroups: every create/run through `runtime` gets linux.cgroupsPath =
# $CG_PARENT/<id>, nested below our own cgroup (hybrid hosts: our own memory cgroup
# is not the root), so containers never land at the root of a host hierarchy.

bats_require_minimum_version 1.5.0

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
FIXTURES=$REPO/tests/fixtures
RUNTIME=${RUNTIME:-$REPO/capsule}
# A bare name (runc, crun) is looked up in PATH once.
case "$RUNTIME" in */*) ;; *) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;; esac
export RUNTIME

# ---- runtime identity -------------------------------------------------------------

# runtime_name: "capsule", "runc", "crun", ... (first word of --version)
runtime_name() {
	if [ -z "${RUNTIME_NAME:-}" ]; then
		RUNTIME_NAME=$("$RUNTIME" --version 2>/dev/null | awk 'NR == 1 { print $1 }')
		[ -n "$RUNTIME_NAME" ] || RUNTIME_NAME=$(basename "$RUNTIME")
		export RUNTIME_NAME
	fi
	echo "$RUNTIME_NAME"
}

is_capsule() { [ "$(runtime_name)" = capsule ]; }

# requires_runtime NAME...: skip unless the runtime under test is one of NAMEs.
# Only for features that a reference runtime lacks; never skips for capsule.
requires_runtime() {
	local n me
	me=$(runtime_name)
	for n in "$@"; do [ "$n" = "$me" ] && return 0; done
	is_capsule && return 0
	skip "${SKIP_REASON:-$me does not support this (only: $*)}"
}

# ---- cgroups ------------------------------------------------------------------------

# own_cgroup_base, cgroup_mounts: common.bash

# ---- setup / teardown -------------------------------------------------------------------

setup() {
	[ -x "$RUNTIME" ] || {
		echo "RUNTIME=$RUNTIME is not an executable (not built yet?)" >&2
		return 1
	}
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	STATE_ROOT=$BATS_TEST_TMPDIR/state
	ROOTFS=$BUNDLE/rootfs
	mkdir -p "$STATE_ROOT"
	"$FIXTURES/make-busybox-bundle" "$BUNDLE"
	CG_PARENT=${CGROUP_PARENT:-$(own_cgroup_base)/capsule-it-$$-$BATS_TEST_NUMBER}
	BG_SEQ=0
	export BUNDLE STATE_ROOT ROOTFS CG_PARENT
}

teardown() {
	local id pid ids bad=0
	[ -n "${STATE_ROOT:-}" ] || return 0
	# On failure, show what the last `run` saw.
	[ -n "${BATS_TEST_COMPLETED:-}" ] || echo "last run: status=${status:-} output: ${output:-}" >&2
	# A file's own cleanup (test_teardown) runs first.
	[ "$(type -t test_teardown)" = function ] && test_teardown
	# Force-delete every container the test left, listed by the runtime and by dir.
	ids=$({ "$RUNTIME" --root "$STATE_ROOT" list -q 2>/dev/null; ls "$STATE_ROOT" 2>/dev/null; } | sort -u)
	for id in $ids; do
		"$RUNTIME" --root "$STATE_ROOT" delete --force "$id" </dev/null >/dev/null 2>&1 || true
	done
	if [ -f "$BATS_TEST_TMPDIR/.netns" ]; then
		while read -r id; do ip netns delete "$id" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/.netns"
	fi
	[ -n "${RECVTTY_PIDS:-}" ] && kill $RECVTTY_PIDS 2>/dev/null || true

	# No process may still run from this test's bundle...
	# (delete --force may return before the killed processes are gone)
	for pid in $(stray_pids); do wait_gone "$pid" 3 || true; done
	for pid in $(stray_pids); do
		echo "teardown: stray process $pid ($(tr "\0" " " <"/proc/$pid/cmdline" 2>/dev/null); $(cut -d" " -f3-5 "/proc/$pid/stat" 2>/dev/null)) still runs in the bundle" >&2
		kill -9 "$pid" 2>/dev/null || true
		bad=1
	done
	# ... nor a mount under this test's temp dir stay visible here.
	if grep -F " $BATS_TEST_TMPDIR" /proc/self/mountinfo >&2; then
		echo "teardown: mounts above leaked into the caller's mount namespace" >&2
		grep -F " $BATS_TEST_TMPDIR" /proc/self/mountinfo | awk '{ print $5 }' | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null; done
		bad=1
	fi
	remove_test_cgroups
	return $bad
}

# PIDs of a container of this test still alive: their root dir is $ROOTFS (same
# inode; readlink would show the path inside their own mount namespace) or their
# cgroup is below $CG_PARENT.
stray_pids() {
	local want pid
	want=$(stat -c %d:%i "$ROOTFS" 2>/dev/null) || want=none
	# One stat and one grep over all of /proc: this runs after every test.
	{
		stat -Lc '%d:%i %n' /proc/[0-9]*/root 2>/dev/null | awk -v w="$want" '$1 == w { print $2 }'
		grep -lF ":$CG_PARENT/" /proc/[0-9]*/cgroup 2>/dev/null
	} | cut -d/ -f3 | sort -u | while read -r pid; do
		[ "$pid" = $$ ] && continue
		# A zombie is dead; whoever it was reparented to reaps it.
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] && continue
		[ -e "/proc/$pid" ] && echo "$pid"
	done
}

# Remove the (empty) cgroups the runtime left below $CG_PARENT, then $CG_PARENT.
remove_test_cgroups() {
	local m
	[ -z "${CGROUP_PARENT:-}" ] || return 0 # a caller's parent is theirs to clean
	for m in $(cgroup_mounts); do
		[ -d "$m$CG_PARENT" ] || continue
		find "$m$CG_PARENT" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# ---- calling the runtime -------------------------------------------------------------------

# set_cgroups_path create|run [FLAGS...] ID: nest the container's cgroup under CG_PARENT,
# unless the test set a cgroupsPath itself or the config is not valid JSON.
set_cgroups_path() {
	local bundle=$PWD id=${!#} prev= a cfg
	for a in "$@"; do
		case "$prev" in -b | --bundle) bundle=$a ;; esac
		case "$a" in --bundle=*) bundle=${a#--bundle=} ;; esac
		prev=$a
	done
	cfg=$bundle/config.json
	[[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$ ]] || return 0
	[ -f "$cfg" ] || return 0
	jq -e '.linux | type == "object" and (has("cgroupsPath") | not)' "$cfg" >/dev/null 2>&1 || return 0
	jq --arg p "$CG_PARENT/$id" '.linux.cgroupsPath = $p' "$cfg" >"$cfg.tmp" && mv "$cfg.tmp" "$cfg"
	CG_SET_BY_HELPER=$cfg
}

# The helper's cgroupsPath is per container: drop it after each create/run so that the
# next container from the same bundle gets its own.
_reset_cgroups_path() {
	[ -n "${CG_SET_BY_HELPER:-}" ] || return 0
	jq 'del(.linux.cgroupsPath)' "$CG_SET_BY_HELPER" >"$CG_SET_BY_HELPER.tmp" &&
		mv "$CG_SET_BY_HELPER.tmp" "$CG_SET_BY_HELPER"
	CG_SET_BY_HELPER=
}
# runtime ARGS...: the runtime under test with this test's state dir.  For create and
# run, the bundle's config first gets a per-container linux.cgroupsPath (see top).
runtime() {
	local rc=0
	case "${1:-}" in create | run | restore) set_cgroups_path "$@" ;; esac
	"$RUNTIME" --root "$STATE_ROOT" "$@" || rc=$?
	_reset_cgroups_path
	return $rc
}

# run_bg CMD...: like bats' run (sets $status, $output) but with stdin from /dev/null
# and stdout+stderr to a file ($BG_OUT), for commands that leave a container holding
# their stdio (create, run -d, exec -d).  The container's later output lands in
# $BG_OUT too: read it with `cat "$BG_OUT"` once the container has exited.
run_bg() {
	BG_SEQ=$((BG_SEQ + 1))
	BG_OUT=$BATS_TEST_TMPDIR/bg.$BG_SEQ.out
	status=0
	"$@" </dev/null >"$BG_OUT" 2>&1 3>&- || status=$?
	output=$(cat "$BG_OUT")
	lines=()
	mapfile -t lines <<<"$output"
	return 0
}

# ctr_id: a new container id, unique across tests and runs
# (a counter file: ctr_id is called in $(...), a subshell)
ctr_id() {
	local f=$BATS_TEST_TMPDIR/.id-seq n=0
	[ -f "$f" ] && n=$(cat "$f")
	n=$((n + 1))
	echo "$n" >"$f"
	echo "t$BATS_TEST_NUMBER-$$-$n"
}

# create_ok ID [FLAGS...]: create ID from $BUNDLE; the test fails if that fails.
create_ok() {
	local id=$1
	shift
	run_bg runtime create --bundle "$BUNDLE" "$@" "$id"
	[ "$status" -eq 0 ] || { echo "create $id failed ($status): $output" >&2; return 1; }
}

# run_detached_ok ID [FLAGS...]: run -d ID from $BUNDLE; fails the test on error.
run_detached_ok() {
	local id=$1
	shift
	run_bg runtime run -d --bundle "$BUNDLE" "$@" "$id"
	[ "$status" -eq 0 ] || { echo "run -d $id failed ($status): $output" >&2; return 1; }
}

# ---- state --------------------------------------------------------------------------------

# state_field ID JQ: one field of `state ID`
state_field() { runtime state "$1" | jq -r "$2"; }

ctr_status() { runtime state "$1" 2>/dev/null | jq -r .status; }
ctr_pid() { runtime state "$1" | jq -r .pid; }

# wait_status ID STATUS [SECONDS]: poll `state` until status is STATUS.
wait_status() {
	local i n=$((${3:-5} * 50)) s
	for ((i = 0; i < n; i++)); do
		s=$(ctr_status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.02
	done
	echo "container $1: status '$s', expected '$2'" >&2
	return 1
}

# wait_gone PID [SECONDS]: until PID no longer exists
wait_gone() {
	local i n=$((${2:-5} * 50))
	for ((i = 0; i < n; i++)); do
		[ -e "/proc/$1" ] || return 0
		# A zombie of ours counts as gone
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.02
	done
	return 1
}

# wait_file FILE [SECONDS]: until FILE exists and is not empty
wait_file() {
	local i n=$((${2:-5} * 50))
	for ((i = 0; i < n; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.02
	done
	echo "no $1" >&2
	return 1
}

# ---- config ---------------------------------------------------------------------------------

# update_config 'jq expression' [BUNDLE]: edit config.json in place
update_config() {
	local cfg=${2:-$BUNDLE}/config.json
	jq "$1" "$cfg" >"$cfg.tmp" && mv "$cfg.tmp" "$cfg"
}

# set_args ARG...: process.args
set_args() {
	update_config ".process.args = $(json_array "$@")"
}

# set_cmd 'shell command': process.args = ["sh", "-c", CMD]
set_cmd() { set_args sh -c "$1"; }

# a writable root (the runc default config has a read-only one)
writable_root() { update_config '.root.readonly = false'; }

# add_mount JSON: append one mount
add_mount() { update_config ".mounts += [$1]"; }

# ---- misc --------------------------------------------------------------------------------

# ns_inode PID NS: the inode of /proc/PID/ns/NS ("net:[4026531840]" -> 4026531840)
ns_inode() {
	local l
	l=$(readlink "/proc/$1/ns/$2") || return 1
	l=${l#*[}
	echo "${l%]}"
}

# new_netns: a named network namespace (ip netns), deleted in teardown; prints its path.
# (Names go to a file: new_netns runs in $(...), a subshell.)
new_netns() {
	local name=capsule-it-$$-$BATS_TEST_NUMBER-$RANDOM
	ip netns add "$name" || return 1
	echo "$name" >>"$BATS_TEST_TMPDIR/.netns"
	echo "/run/netns/$name"
}

# recvtty: path of the console-socket receiver, compiled on first use
recvtty_bin() {
	local dir=${BATS_RUN_TMPDIR:-/tmp}/recvtty-bin bin
	bin=$dir/recvtty
	if [ ! -x "$bin" ]; then
		mkdir -p "$dir"
		cc -O2 -Wall -o "$bin.$$" "$REPO/tests/integration/recvtty.c" >&2 && mv "$bin.$$" "$bin"
	fi
	echo "$bin"
}

# start_recvtty SOCK OUT [INPUT]: a receiver on SOCK in the background; it copies the
# terminal's output into OUT until the pty hangs up, after writing INPUT into it.
# Waits until SOCK exists.  RECVTTY_PID is its pid (wait for it to have all output).
start_recvtty() {
	local bin i
	bin=$(recvtty_bin) || return 1
	"$bin" "$@" </dev/null 3>&- &
	RECVTTY_PID=$!
	RECVTTY_PIDS="${RECVTTY_PIDS:-} $RECVTTY_PID"
	for ((i = 0; i < 250; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.02
	done
	echo "recvtty did not listen on $1" >&2
	return 1
}

# wait_recvtty [SECONDS]: until the receiver exits (the terminal hung up)
wait_recvtty() {
	local i n=$((${1:-5} * 50))
	for ((i = 0; i < n; i++)); do
		kill -0 "$RECVTTY_PID" 2>/dev/null || { wait "$RECVTTY_PID" 2>/dev/null; return 0; }
		sleep 0.02
	done
	echo "recvtty $RECVTTY_PID still running" >&2
	return 1
}

# The error message printed by the runtime on a failed command: accept either plain
# text or runc/crun JSON-ish lines; assert_contains OUTPUT SUBSTRING (case-insensitive).
assert_contains() {
	if ! grep -qiF -- "$2" <<<"$1"; then
		echo "expected output to contain '$2', got: $1" >&2
		return 1
	fi
}

# assert_contains_any OUTPUT SUB1 SUB2 ...: one of them
assert_contains_any() {
	local out=$1 s
	shift
	for s in "$@"; do grep -qiF -- "$s" <<<"$out" && return 0; done
	echo "expected output to contain one of: $*; got: $out" >&2
	return 1
}
