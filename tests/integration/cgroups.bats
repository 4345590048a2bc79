#!/usr/bin/env bats
# cgroup v2 driver tests: limits and their effect, devices, freeze, update, ps,
# cleanup, events.  Run by tests/integration/run-cgroups (`make test-cgroups`).
#
# Most tests need a pure cgroup v2 host (the vmtest VM:
#   /work/shared/vmtest/vm-run --mem 2G -- make test-cgroups);
# a few need a hybrid host (cgroup2 at /sys/fs/cgroup/unified, this dev host).
# Each test skips itself on the other kind.  $RUNTIME picks the runtime
# (default /work/main/capsule; RUNTIME=/usr/bin/crun runs the same suite).
#
# Every container gets cgroupsPath /capsule-cgtest-$$/<id>, so the host side
# knows where its cgroup is whatever the runtime's default placement.

RUNTIME=${RUNTIME:-/work/main/capsule}
HERE=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
FIXTURES=$(cd "$HERE/../fixtures" && pwd)

# ---- helpers (local: the host suite's helpers.bash may not exist yet) ----

is_cgroup2() { [ "$(stat -f -c %T "$1" 2>/dev/null)" = cgroup2fs ]; }
pure_v2() { is_cgroup2 /sys/fs/cgroup; }
hybrid() { ! pure_v2 && is_cgroup2 /sys/fs/cgroup/unified; }
need_v2() { pure_v2 || skip "needs a pure cgroup v2 host (run in the vmtest VM)"; }
need_hybrid() { hybrid || skip "needs a hybrid cgroup host"; }
is_capsule() { [ "$(basename "$RUNTIME")" = capsule ]; }
has_events() { ! "$RUNTIME" events --help 2>&1 | grep -qi 'unknown command'; }
need_events() { has_events || skip "$(basename "$RUNTIME") has no events command"; }
# hybrid tests: crun needs /work/shared/hybrid-ns on such hosts; run them for capsule
need_hybrid_capsule() { need_hybrid; is_capsule || skip "hybrid tests run against capsule"; }

rt() { "$RUNTIME" --root "$STATE" "$@"; }
cg2_super() { awk '$5 == "/sys/fs/cgroup" && $(NF - 2) == "cgroup2" { print $NF }' /proc/self/mountinfo; }

setup_file() {
	export CG_PARENT=capsule-cgtest-$$
	export BUNDLE_SRC="$BATS_FILE_TMPDIR/src"
	# the host's cgroup2 super options before any container ran (see the cgroupns test)
	export CG2_SUPER_BEFORE=$(cg2_super)
	"$FIXTURES/make-busybox-bundle" "$BUNDLE_SRC" >/dev/null
}

teardown_file() {
	local m
	for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ -d "$m/$CG_PARENT" ] && rmdir "$m/$CG_PARENT"/* "$m/$CG_PARENT" 2>/dev/null
	done
	return 0
}

setup() {
	STATE="$BATS_TEST_TMPDIR/state"
	B="$BATS_TEST_TMPDIR/bundle"
	ID="cgt$BATS_TEST_NUMBER-$$"
	mkdir -p "$STATE" "$B"
	cp -al "$BUNDLE_SRC/rootfs" "$B/rootfs" 2>/dev/null || cp -a "$BUNDLE_SRC/rootfs" "$B/rootfs"
	jq --arg cg "/$CG_PARENT/$ID" '.linux.cgroupsPath = $cg | .root.readonly = false' \
		"$BUNDLE_SRC/config.json" >"$B/config.json"
	CG=""
}

teardown() {
	local id
	for id in $(rt list -q 2>/dev/null); do rt delete -f "$id" >/dev/null 2>&1; done
	[ -n "${EVPID:-}" ] && kill "$EVPID" 2>/dev/null
	return 0
}

# cfg JQ-FILTER [jq args]: edit the bundle's config.json
cfg() {
	local f=$1
	shift
	jq "$@" "$f" "$B/config.json" >"$B/config.json.new" || return 1
	mv "$B/config.json.new" "$B/config.json"
}

args() { # args WORD...: process.args (one jq --arg each: jq would take "-c" as its own)
	local a json
	json=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -sc .)
	cfg '.process.args = $a' --argjson a "$json"
}

# The container cgroup dir, from the runtime-independent cgroupsPath.
cgdir() {
	local m=/sys/fs/cgroup
	hybrid && m=/sys/fs/cgroup/unified
	echo "$m/$CG_PARENT/$ID"
}

# Create + start a detached container running args; sets CG and PID.
start_ctr() {
	[ $# -gt 0 ] && args "$@"
	# container stdio to a file: a pipe (bats' `run`) would stay open
	rt create --bundle "$B" "$ID" >"$BATS_TEST_TMPDIR/ctr.log" 2>&1 </dev/null ||
		{ cat "$BATS_TEST_TMPDIR/ctr.log"; return 1; }
	rt start "$ID"
	PID=$(rt state "$ID" | jq -r .pid)
	CG=$(cgdir)
}

status_of() { rt state "$1" 2>/dev/null | jq -r .status; }

# wait_for SECONDS CMD...: poll (0.2 s) until CMD succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

stopped() { [ "$(status_of "$ID")" = stopped ]; }

keyed() { awk -v k="$2" '$1 == k { print $2 }' "$1"; } # keyed FILE KEY

# ---- pure cgroup v2 ----

@test "memory.max and memory.low from linux.resources.memory" {
	need_v2
	cfg '.linux.resources.memory = {limit: 67108864, reservation: 16777216}'
	start_ctr sleep 100
	[ "$(cat "$CG/memory.max")" = 67108864 ]
	[ "$(cat "$CG/memory.low")" = 16777216 ]
	grep -qx "$PID" "$CG/cgroup.procs"
}

@test "swap: OCI memory+swap becomes memory.swap.max" {
	need_v2
	cfg '.linux.resources.memory = {limit: 67108864, swap: 100663296}'
	start_ctr sleep 100
	[ -f "$CG/memory.swap.max" ] || skip "kernel without swap accounting"
	[ "$(cat "$CG/memory.swap.max")" = 33554432 ]
}

@test "a 32 MiB container that allocates 100 MB is OOM-killed and events reports it" {
	need_v2
	cfg '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
	args sh -c 'head -c 100000000 /dev/zero | tail >/dev/null; echo "tail status $?" >/tmp/result'
	rt create --bundle "$B" "$ID" >"$BATS_TEST_TMPDIR/ctr.log" 2>&1 </dev/null
	CG=$(cgdir)
	local ev=$BATS_TEST_TMPDIR/events
	if has_events; then
		rt events --interval 1h "$ID" >"$ev" 2>&1 &
		EVPID=$!
		sleep 0.5
	fi
	rt start "$ID"
	wait_for 60 stopped
	[ "$(cat "$B/rootfs/tmp/result")" = "tail status 137" ]
	[ "$(keyed "$CG/memory.events" oom_kill)" -ge 1 ]
	if [ -n "${EVPID:-}" ]; then
		wait_for 10 eval '! kill -0 $EVPID 2>/dev/null' # exits with the container
		EVPID=
		cat "$ev"
		grep -qx "{\"type\":\"oom\",\"id\":\"$ID\"}" "$ev"
	fi
}

@test "cpu.weight from cpu.shares, cpu.max from quota/period" {
	need_v2
	cfg '.linux.resources.cpu = {shares: 1024, quota: 20000, period: 100000}'
	start_ctr sleep 100
	[ "$(cat "$CG/cpu.weight")" = 39 ]
	[ "$(cat "$CG/cpu.max")" = "20000 100000" ]
}

@test "a 10% cpu.max container is throttled" {
	need_v2
	cfg '.linux.resources.cpu = {quota: 10000, period: 100000}'
	start_ctr sh -c 'while :; do :; done'
	sleep 2
	cat "$CG/cpu.stat"
	[ "$(keyed "$CG/cpu.stat" nr_throttled)" -gt 0 ]
	# usage over the 2 s stays far below what one free cpu would give
	[ "$(keyed "$CG/cpu.stat" usage_usec)" -lt 1500000 ]
}

@test "pids.max stops a (bounded) fork bomb" {
	need_v2
	cfg '.linux.resources.pids = {limit: 10}'
	# 30 forks at most, each child gone after 60 s; the shell may give up at the
	# first failed fork, so the effect is checked from the host side
	start_ctr sh -c 'i=0; while [ $i -lt 30 ]; do sleep 60 & i=$((i+1)); done 2>/tmp/err; sleep 60'
	CG=$(cgdir)
	wait_for 30 grep -qi fork "$B/rootfs/tmp/err"
	cat "$B/rootfs/tmp/err"
	[ "$(cat "$CG/pids.max")" = 10 ]
	[ "$(cat "$CG/pids.current")" -le 10 ]
	[ "$(keyed "$CG/pids.events" max)" -gt 0 ]
}

@test "devices: a node outside the allow list gives EPERM, a resources.devices rule allows it, linux.devices does not" {
	need_v2
	[ -c /dev/kmsg ] || skip "no /dev/kmsg"
	cfg '.mounts += [{destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]}]'
	# write-only: reading /dev/kmsg may need CAP_SYSLOG (dmesg_restrict)
	args sh -c 'exec 3>/dev/kmsg && echo opened'
	run rt run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	rt delete -f "$ID" >/dev/null 2>&1 || true
	# allowed by a linux.resources.devices rule
	cfg '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "rw"}]'
	run rt run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = opened ]
	rt delete -f "$ID" >/dev/null 2>&1 || true
	# a node declared in linux.devices is only created: access is what
	# linux.resources.devices grants (runc 1.1.5 and crun: EPERM too)
	cfg 'del(.mounts[-1]) | del(.linux.resources.devices[-1]) |
	     .linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 420}]'
	run rt run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "pause freezes the container and resume thaws it" {
	need_v2
	start_ctr sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/c; sleep 0.1; done'
	wait_for 20 test -s "$B/rootfs/tmp/c"
	rt pause "$ID"
	[ "$(status_of "$ID")" = paused ]
	[ "$(keyed "$CG/cgroup.events" frozen)" = 1 ]
	local a b
	a=$(cat "$B/rootfs/tmp/c")
	sleep 1
	b=$(cat "$B/rootfs/tmp/c")
	[ "$a" = "$b" ]
	rt resume "$ID"
	[ "$(status_of "$ID")" = running ]
	[ "$(keyed "$CG/cgroup.events" frozen)" = 0 ]
	wait_for 20 eval '[ "$(cat "$B/rootfs/tmp/c")" != "$b" ]'
}

@test "update changes memory.max, pids.max and cpu.max of a live container" {
	need_v2
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
	start_ctr sleep 100
	rt update --memory 134217728 --pids-limit 30 "$ID"
	[ "$(cat "$CG/memory.max")" = 134217728 ]
	[ "$(cat "$CG/pids.max")" = 30 ]
	rt update --cpu-quota 20000 --cpu-period 50000 "$ID"
	[ "$(cat "$CG/cpu.max")" = "20000 50000" ]
	# --resources FILE (OCI LinuxResources), and "-" for stdin
	echo '{"memory": {"limit": 100663296, "swap": 134217728}, "cpu": {"shares": 512}}' >"$B/res.json"
	rt update --resources "$B/res.json" "$ID"
	[ "$(cat "$CG/memory.max")" = 100663296 ]
	[ "$(cat "$CG/cpu.weight")" = 20 ]
	[ ! -f "$CG/memory.swap.max" ] || [ "$(cat "$CG/memory.swap.max")" = 33554432 ]
	echo '{"pids": {"limit": 7}}' | rt update -r - "$ID"
	[ "$(cat "$CG/pids.max")" = 7 ]
	is_capsule || return 0
	# runc's behaviour where crun 1.8 differs: byte suffixes (crun passes
	# "128m" on as JSON), a period alone keeps the quota (crun resets it)
	rt update --memory 128m "$ID"
	[ "$(cat "$CG/memory.max")" = 134217728 ]
	rt update --cpu-period 40000 "$ID"
	[ "$(cat "$CG/cpu.max")" = "20000 40000" ]
	rt update --memory -1 "$ID"
	[ "$(cat "$CG/memory.max")" = max ]
	# saved in the state dir's copy of config.json
	[ "$(jq '.linux.resources.pids.limit' "$STATE/$ID/config.json")" = 7 ]
	[ "$(jq '.linux.resources.memory.limit' "$STATE/$ID/config.json")" = -1 ]
	[ "$(jq '.linux.resources.cpu.quota' "$STATE/$ID/config.json")" = 20000 ]
	[ "$(jq '.linux.resources.cpu.period' "$STATE/$ID/config.json")" = 40000 ]
	run rt update --memory 1x "$ID"
	[ "$status" -ne 0 ]
	run rt update --kernel-memory 10m "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ignored"* ]]
}

@test "update: quota or period alone keeps the other half; cpuset, io.weight, hugetlb" {
	need_v2
	cfg '.linux.resources.cpu = {quota: 20000, period: 100000}'
	start_ctr sleep 100
	# runc writes "QUOTA" alone (the kernel keeps the period) and "QUOTA PERIOD"
	# with the saved quota for a period alone
	rt update --cpu-quota 30000 "$ID"
	[ "$(cat "$CG/cpu.max")" = "30000 100000" ]
	rt update --cpu-period 50000 "$ID"
	[ "$(cat "$CG/cpu.max")" = "30000 50000" ]
	rt update --cpu-quota -1 "$ID"
	[ "$(cat "$CG/cpu.max")" = "max 50000" ]
	rt update --cpuset-cpus 0 --cpuset-mems 0 "$ID"
	[ "$(cat "$CG/cpuset.cpus")" = 0 ]
	[ "$(cat "$CG/cpuset.mems")" = 0 ]
	# blkio weight 500 is io.weight 4950 (runc's and crun's conversion)
	rt update --blkio-weight 500 "$ID"
	[ "$(cat "$CG/io.weight")" = "default 4950" ]
	is_capsule || return 0
	# runc 1.1 ignores hugepageLimits in update; capsule applies them (README)
	[ -f "$CG/hugetlb.2MB.max" ] || return 0
	echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' | rt update -r - "$ID"
	[ "$(cat "$CG/hugetlb.2MB.max")" = 4194304 ]
}

@test "update: memory and swap checked as runc does; a memory limit alone keeps memory.swap.max" {
	need_v2
	start_ctr sleep 100
	[ -f "$CG/memory.swap.max" ] || skip "kernel without swap accounting"
	# OCI swap is memory+swap: below the memory limit, or without one, it fails
	run rt update --memory 64m --memory-swap 32m "$ID"
	[ "$status" -ne 0 ]
	! is_capsule || [[ "$output" == *"below memory.limit"* ]]
	run rt update --memory-swap 128m "$ID"
	[ "$status" -ne 0 ]
	! is_capsule || [[ "$output" == *"requires a memory.limit"* ]]
	[ "$(cat "$CG/memory.max")" = max ]
	rt update --memory 64m --memory-swap 96m "$ID"
	[ "$(cat "$CG/memory.max")" = 67108864 ]
	[ "$(cat "$CG/memory.swap.max")" = 33554432 ]
	# runc leaves memory.swap.max alone; the saved swap follows the limit
	rt update --memory 32m "$ID"
	[ "$(cat "$CG/memory.max")" = 33554432 ]
	[ "$(cat "$CG/memory.swap.max")" = 33554432 ]
	if is_capsule; then
		[ "$(jq '.linux.resources.memory.swap' "$STATE/$ID/config.json")" = 67108864 ]
		# a swap alone is taken with the saved memory limit
		rt update --memory-swap 48m "$ID"
		[ "$(cat "$CG/memory.swap.max")" = 16777216 ]
	fi
	# unlimited memory without a swap value: both unlimited
	rt update --memory -1 "$ID"
	[ "$(cat "$CG/memory.max")" = max ]
	[ "$(cat "$CG/memory.swap.max")" = max ]
}

@test "update: --resources devices rules replace the device filter" {
	need_v2
	is_capsule || skip "runc 1.1 ignores devices in update (README)"
	[ -c /dev/kmsg ] || skip "no /dev/kmsg"
	cfg '.mounts += [{destination: "/dev/kmsg", type: "bind", source: "/dev/kmsg", options: ["bind"]}]'
	start_ctr sleep 100
	run rt exec "$ID" sh -c 'exec 3>/dev/kmsg && echo opened'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	echo '{"devices": [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]}' |
		rt update -r - "$ID"
	run rt exec "$ID" sh -c 'exec 3>/dev/kmsg && echo opened'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = opened ]
	# the default allow list is still there, and the rule is saved
	rt exec "$ID" sh -c 'echo x >/dev/null'
	[ "$(jq '.linux.resources.devices[-1].minor' "$STATE/$ID/config.json")" = 11 ]
}

@test "update of a paused container changes its limits and leaves it frozen" {
	need_v2
	start_ctr sleep 100
	rt pause "$ID"
	rt update --memory 48m --pids-limit 40 "$ID"
	[ "$(cat "$CG/memory.max")" = 50331648 ]
	[ "$(cat "$CG/pids.max")" = 40 ]
	[ "$(keyed "$CG/cgroup.events" frozen)" = 1 ]
	[ "$(status_of "$ID")" = paused ]
	rt resume "$ID"
	[ "$(status_of "$ID")" = running ]
}

@test "ps lists the processes of exec -d" {
	need_v2
	start_ctr sleep 100
	rt exec -d "$ID" sleep 77 >/dev/null 2>&1 </dev/null
	run rt ps --format json "$ID"
	echo "$output"
	[ "$(echo "$output" | jq length)" -eq 2 ]
	echo "$output" | jq -e --argjson p "$PID" 'index($p) != null'
	is_capsule || return 0 # crun's table lists PIDs only
	run rt ps "$ID"
	[[ "$output" == *"sleep 77"* ]]
}

@test "delete removes the cgroup, also after a failed create" {
	need_v2
	start_ctr sleep 100
	[ -d "$CG" ]
	rt delete -f "$ID"
	[ ! -d "$CG" ]
	# a prestart hook that fails after the cgroup was made
	cfg '.hooks.prestart = [{path: "/bin/false"}]'
	run rt create --bundle "$B" "$ID"
	[ "$status" -ne 0 ]
	[ ! -d "$CG" ]
	rt delete -f "$ID" >/dev/null 2>&1 || true
	# a rootfs that is not there
	cfg 'del(.hooks) | .root.path = "no-such-rootfs"'
	run rt create --bundle "$B" "$ID"
	[ "$status" -ne 0 ]
	[ ! -d "$CG" ]
}

@test "without a cgroup namespace: the container's own cgroup at /sys/fs/cgroup, host cgroup2 options kept" {
	need_v2
	# The VM mounts cgroup2 with nsdelegate,memory_recursiveprot.  A fresh cgroup2
	# mount in the host's cgroup namespace would apply its own (empty) options to
	# the whole hierarchy and clear them.
	# Compared with the options seen before the suite's first container: an earlier
	# test's container may have cleared them already.
	[[ "$CG2_SUPER_BEFORE" == *nsdelegate* ]]
	cfg '.linux.namespaces -= [{"type": "cgroup"}]'
	start_ctr sh -c 'cat /sys/fs/cgroup/cgroup.procs; sleep 100'
	sleep 0.5
	[ "$(cg2_super)" = "$CG2_SUPER_BEFORE" ]
	# The container sees its own cgroup as the root of /sys/fs/cgroup: its pid 1 is there.
	run rt exec "$ID" cat /sys/fs/cgroup/cgroup.procs
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort -n | head -1)" = 1 ]
	[ "$(wc -l <"$CG/cgroup.procs")" -ge 1 ]
	run rt exec "$ID" test -d /sys/fs/cgroup/$CG_PARENT
	[ "$status" -ne 0 ]
}

@test "events --stats prints runc's stats JSON" {
	need_v2
	need_events
	cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
	start_ctr sleep 100
	run rt events --stats "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg id "$ID" '.type == "stats" and .id == $id'
	echo "$output" | jq -e '.data.cpu.usage | has("kernel") and has("user")'
	echo "$output" | jq -e '.data.cpu.throttling | type == "object"'
	echo "$output" | jq -e '.data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0'
	echo "$output" | jq -e '.data.memory.raw | has("anon") and has("file")'
	echo "$output" | jq -e '.data.memory | has("swap") and has("kernel") and has("kernelTCP")'
	echo "$output" | jq -e '.data.pids.current >= 1 and .data.pids.limit == 50'
	echo "$output" | jq -e '.data | has("cpuset") and has("blkio") and has("hugetlb")'
	if [ -f "$CG/cpu.pressure" ]; then
		echo "$output" | jq -e '.data.cpu.psi.some | has("avg10") and has("avg60") and has("avg300") and has("total")'
		echo "$output" | jq -e '.data.memory.psi.full | has("avg10")'
	fi
	# streaming: a stats line every --interval, exit when the container stops
	rt events --interval 300ms "$ID" >"$BATS_TEST_TMPDIR/ev" &
	EVPID=$!
	sleep 1.5
	rt kill "$ID" KILL
	wait_for 10 eval '! kill -0 $EVPID 2>/dev/null'
	EVPID=
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/ev")" -ge 2 ]
}

# ---- hybrid host (v1 controllers + cgroup2 at /sys/fs/cgroup/unified) ----

@test "hybrid: a memory limit fails with an error naming the controller" {
	need_hybrid_capsule
	cfg '.linux.resources.memory = {limit: 67108864}'
	args true
	run rt create --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'controller "memory"'* ]]
	[[ "$output" == *hybrid* ]]
	[ ! -d "$(cgdir)" ]
}

@test "hybrid: a container without limits gets a tracking cgroup; ps, pause, resume work" {
	need_hybrid_capsule
	cfg 'del(.linux.cgroupsPath)'
	start_ctr sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/c; sleep 0.1; done'
	local rel
	rel=$(awk -F: '$1 == 0 { print $3 }' "/proc/$PID/cgroup")
	[ "$rel" != / ]
	CG=/sys/fs/cgroup/unified$rel
	[ -d "$CG" ]
	grep -qx "$PID" "$CG/cgroup.procs"
	run rt ps --format json "$ID"
	echo "ps: $output"
	echo "$output" | jq -e --argjson p "$PID" 'index($p) != null' 
	wait_for 20 test -s "$B/rootfs/tmp/c"
	rt pause "$ID"
	[ "$(status_of "$ID")" = paused ]
	local a
	a=$(cat "$B/rootfs/tmp/c")
	sleep 1
	[ "$(cat "$B/rootfs/tmp/c")" = "$a" ]
	rt resume "$ID"
	wait_for 20 eval '[ "$(cat "$B/rootfs/tmp/c")" != "$a" ]'
	rt delete -f "$ID"
	[ ! -d "$CG" ]
}
