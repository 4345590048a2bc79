#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup): transient scope units through
# sd-bus, resources as unit properties and cgroup files, update, delete, exec.
# Needs a running systemd on a pure cgroup v2 host: tests/integration/run-systemd
# starts one in the vmtest VM and runs this file next to it.

RUNTIME=${RUNTIME:-/work/main/capsule}
HERE=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)
FIXTURES=$(cd "$HERE/../fixtures" && pwd)

rt() { "$RUNTIME" --root "$STATE" --systemd-cgroup "$@"; }

setup_file() {
	[ -d /run/systemd/system ] || {
		echo "systemd is not running here: use tests/integration/run-systemd" >&2
		return 1
	}
	export BUNDLE_SRC="$BATS_FILE_TMPDIR/src"
	"$FIXTURES/make-busybox-bundle" "$BUNDLE_SRC" >/dev/null
}

setup() {
	STATE="$BATS_TEST_TMPDIR/state"
	B="$BATS_TEST_TMPDIR/bundle"
	ID="sdt$BATS_TEST_NUMBER-$$"
	UNIT="capsule-$ID.scope"
	mkdir -p "$STATE" "$B"
	cp -al "$BUNDLE_SRC/rootfs" "$B/rootfs" 2>/dev/null || cp -a "$BUNDLE_SRC/rootfs" "$B/rootfs"
	jq --arg cg "system.slice:capsule:$ID" '.linux.cgroupsPath = $cg | .process.args = ["sleep", "1000"]' \
		"$BUNDLE_SRC/config.json" >"$B/config.json"
}

teardown() {
	local id
	for id in $(rt list -q 2>/dev/null); do rt delete -f "$id" >/dev/null 2>&1; done
	[ -n "${BGPID:-}" ] && kill "$BGPID" 2>/dev/null
	systemctl stop "$UNIT" >/dev/null 2>&1
	systemctl reset-failed "$UNIT" >/dev/null 2>&1
	# the containerd test's private daemon and its snapshot mounts
	if [ -n "${CL_TMP:-}" ]; then
		cl_ctd_stop
		cl_umount_under "$CL_TMP"
	fi
	return 0
}

cfg() { # cfg JQ-FILTER [jq args]
	local f=$1
	shift
	jq "$@" "$f" "$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"
}

start_ctr() {
	rt create --bundle "$B" "$ID" >"$BATS_TEST_TMPDIR/ctr.log" 2>&1 </dev/null ||
		{ cat "$BATS_TEST_TMPDIR/ctr.log"; return 1; }
	rt start "$ID"
	PID=$(rt state "$ID" | jq -r .pid)
	CG=/sys/fs/cgroup$(prop ControlGroup)
}

prop() { systemctl show -P "$1" "$UNIT"; } # prop NAME [unit]: one property's value

wait_for() { # wait_for SECONDS CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

@test "a container runs in a transient scope with Delegate=yes in its slice" {
	start_ctr
	[ "$(prop ActiveState)" = active ]
	[ "$(prop Delegate)" = yes ]
	[ "$(prop Slice)" = system.slice ]
	[ "$(prop MemoryAccounting)" = yes ]
	[ "$(prop TasksAccounting)" = yes ]
	[ "$(prop DefaultDependencies)" = no ]
	[ "$CG" = /sys/fs/cgroup/system.slice/$UNIT ]
	grep -qx "$PID" "$CG/cgroup.procs"
	# delegated: the container's cgroup has its own controllers
	grep -qw memory "$CG/cgroup.controllers"
	grep -qw pids "$CG/cgroup.controllers"
}

@test "no cgroupsPath: :capsule:<id> under system.slice" {
	cfg 'del(.linux.cgroupsPath)'
	start_ctr
	[ "$(prop Slice)" = system.slice ]
	[ "$CG" = /sys/fs/cgroup/system.slice/$UNIT ]
	grep -qx "$PID" "$CG/cgroup.procs"
}

@test "containerd's form parent.slice:cri-containerd:id makes the slice and the scope" {
	cfg '.linux.cgroupsPath = "kubepods-besteffort.slice:cri-containerd:\($id)"' --arg id "$ID"
	UNIT="cri-containerd-$ID.scope"
	start_ctr
	[ "$(prop Slice)" = kubepods-besteffort.slice ]
	[ "$CG" = /sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/$UNIT ]
	grep -qx "$PID" "$CG/cgroup.procs"
}

@test "resources become unit properties and cgroup files" {
	cfg '.linux.resources = {memory: {limit: 67108864, reservation: 16777216},
		pids: {limit: 42}, cpu: {shares: 1024, quota: 50000, period: 100000, cpus: "0"}}'
	start_ctr
	[ "$(prop MemoryMax)" = 67108864 ]
	[ "$(prop MemoryLow)" = 16777216 ]
	[ "$(prop TasksMax)" = 42 ]
	[ "$(prop CPUWeight)" = 39 ]
	[ "$(prop CPUQuotaPerSecUSec)" = 500ms ]
	[ "$(prop AllowedCPUs)" = 0 ]
	[ "$(cat "$CG/memory.max")" = 67108864 ]
	[ "$(cat "$CG/memory.low")" = 16777216 ]
	[ "$(cat "$CG/pids.max")" = 42 ]
	[ "$(cat "$CG/cpu.max")" = "50000 100000" ]
	[ "$(cat "$CG/cpu.weight")" = 39 ]
	[ "$(cat "$CG/cpuset.cpus")" = 0 ]
	# the device policy: strict, with runc's default nodes allowed
	[ "$(prop DevicePolicy)" = strict ]
	prop DeviceAllow | grep -q '/dev/char/1:3 rwm'
	# and the container lives with them: /dev/null works
	run rt exec "$ID" sh -c 'echo ok >/dev/null && echo fine'
	[ "$status" -eq 0 ] && [ "$output" = fine ]
}

@test "update changes the unit's properties and the cgroup files" {
	cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 42}}'
	start_ctr
	rt update --memory 134217728 --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 "$ID"
	[ "$(prop MemoryMax)" = 134217728 ]
	[ "$(prop TasksMax)" = 50 ]
	[ "$(prop CPUQuotaPerSecUSec)" = 200ms ]
	[ "$(cat "$CG/memory.max")" = 134217728 ]
	[ "$(cat "$CG/pids.max")" = 50 ]
	[ "$(cat "$CG/cpu.max")" = "20000 100000" ]
	# the unit keeps them (systemd would re-apply its own values otherwise)
	systemctl daemon-reload
	[ "$(cat "$CG/memory.max")" = 134217728 ]
}

@test "exec processes join the scope's cgroup" {
	start_ctr
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 999 </dev/null >/dev/null 2>&1
	grep -qx "$(cat "$BATS_TEST_TMPDIR/exec.pid")" "$CG/cgroup.procs"
	[ "$(wc -l <"$CG/cgroup.procs")" -eq 2 ]
}

@test "delete stops the unit and its cgroup goes away" {
	start_ctr
	rt kill "$ID" KILL
	wait_for 10 sh -c "! kill -0 $PID 2>/dev/null"
	rt delete "$ID"
	wait_for 10 sh -c "[ ! -d '$CG' ]"
	state=$(prop ActiveState)
	[ "$state" = inactive ] || [ -z "$state" ]
	# delete -f of a running container too
	start_ctr
	rt delete -f "$ID"
	wait_for 10 sh -c "[ ! -d '$CG' ]"
	[ "$(prop ActiveState)" != active ]
}

@test "org.systemd.property annotations are passed on; unknown ones are dropped" {
	cfg '.annotations = {"org.systemd.property.TimeoutStopUSec": "uint64 123456789",
		"org.systemd.property.CollectMode": "'"'"'inactive-or-failed'"'"'",
		"org.systemd.property.NoSuchPropertyX": "true"}'
	# container stdio to a file: a pipe (bats' `run`) would stay open
	rt --debug create --bundle "$B" "$ID" >"$BATS_TEST_TMPDIR/ctr.log" 2>&1 </dev/null ||
		{ cat "$BATS_TEST_TMPDIR/ctr.log"; return 1; }
	grep -q 'NoSuchPropertyX not supported; dropped' "$BATS_TEST_TMPDIR/ctr.log"
	[ "$(prop ActiveState)" = active ]
	[ "$(prop TimeoutStopUSec)" = "2min 3.456789s" ]
	[ "$(prop CollectMode)" = inactive-or-failed ]
}

@test "a bad org.systemd.property value is a clear error naming it" {
	cfg '.annotations = {"org.systemd.property.TimeoutStopUSec": "uint64 x"}'
	run rt create --bundle "$B" "$ID" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"org.systemd.property.TimeoutStopUSec"* ]]
	[ -z "$(rt list -q)" ]
}

# other_scope STATE ARGS...: a scope named $UNIT not made by capsule
# (systemd-run --scope ARGS), once it is in ActiveState STATE
other_scope() {
	local want=$1
	shift
	systemd-run --scope --unit="$UNIT" "$@" >/dev/null 2>&1 &
	BGPID=$!
	wait_for 20 sh -c "[ \"\$(systemctl show -P ActiveState $UNIT)\" = $want ]"
}

@test "a failed unit of the same name is reset and replaced" {
	# a scope killed by RuntimeMaxSec ends "failed" and stays loaded
	other_scope failed -p RuntimeMaxSec=1 sleep 100
	start_ctr
	[ "$(prop ActiveState)" = active ]
	grep -qx "$PID" "$CG/cgroup.procs"
}

@test "a live unit of the same name is not taken over" {
	other_scope active sleep 300
	run rt create --bundle "$B" "$ID" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"already exists and has processes"* ]]
	[ "$(prop ActiveState)" = active ]
	[ -z "$(rt list -q)" ]
}

@test "a bad cgroupsPath for the systemd driver is a clear error" {
	cfg '.linux.cgroupsPath = "/not/systemd"'
	run rt create --bundle "$B" "$ID" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *'expects "slice:prefix:name"'* ]]
	[ -z "$(rt list -q)" ]
}

@test "no systemd: a clear error and nothing left behind" {
	run unshare -m sh -c 'mount -t tmpfs none /run/systemd && exec "$@"' sh \
		"$RUNTIME" --root "$STATE" --systemd-cgroup create --bundle "$B" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"systemd is not running"* ]]
	[ -z "$(rt list -q)" ]
	[ -z "$(prop ActiveState | grep -x active)" ]
}

@test "containerd's runc shim with SystemdCgroup runs a container through capsule" {
	command -v containerd-shim-runc-v2 >/dev/null || skip "containerd is not installed"
	source "$HERE/clients-helpers.bash"
	CL_TMP=$BATS_TEST_TMPDIR/cl
	mkdir -p "$CL_TMP"
	"$CL_FIXTURES/make-busybox-image" oci "$CL_TMP/image.tar" "$CL_IMAGE"
	cl_ctd_start
	ctrc images import --snapshotter "$(cat "$CL_CTD_DIR/snapshotter")" "$CL_TMP/image.tar" >/dev/null
	# what the shim does for SystemdCgroup = true: runc --systemd-cgroup
	UNIT="ctrtest-$ID.scope"
	ctrc run -d --runc-binary "$RUNTIME" --runc-systemd-cgroup \
		--snapshotter "$(cat "$CL_CTD_DIR/snapshotter")" --cgroup "system.slice:ctrtest:$ID" \
		"$CL_IMAGE" "$ID" sleep 1000
	[ "$(prop ActiveState)" = active ]
	[ "$(prop Delegate)" = yes ]
	pid=$(cl_ctd_task_pid "$ID")
	grep -qx "$pid" "/sys/fs/cgroup/system.slice/$UNIT/cgroup.procs"
	ctrc task kill -s KILL "$ID"
	cl_wait 100 cl_ctd_task_is "$ID" STOPPED
	ctrc task delete "$ID"
	ctrc container delete "$ID"
	wait_for 10 sh -c "[ ! -d /sys/fs/cgroup/system.slice/$UNIT ]"
}

@test "checkpoint, then restore --systemd-cgroup: the restored tree runs in a new scope" {
	criu check >/dev/null 2>&1 || skip "criu check fails here"
	# no fd may point outside the container (CRIU cannot see it)
	cfg '.process.args = ["sh", "-c", "exec </dev/null >/dev/null 2>&1; exec sleep 1000"]'
	start_ctr
	rt checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
	wait_for 10 sh -c "[ \"\$(systemctl show -P ActiveState $UNIT)\" != active ]"
	rt restore -d --image-path "$BATS_TEST_TMPDIR/img" --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
	[ "$(rt state "$ID" | jq -r .status)" = running ]
	PID=$(rt state "$ID" | jq -r .pid)
	[ "$(prop ActiveState)" = active ]
	[ "$(prop Delegate)" = yes ]
	CG=/sys/fs/cgroup$(prop ControlGroup)
	[ "$(jq -r .cgroup "$STATE/$ID/state.json")" = "$CG" ]
	# the restored init, alone: capsule left the scope again after CRIU
	[ "$(cat "$CG/cgroup.procs")" = "$PID" ]
	rt delete -f "$ID"
	wait_for 10 sh -c "[ ! -d '$CG' ]"
	[ "$(prop ActiveState)" != active ]
}
