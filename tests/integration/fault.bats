#!/usr/bin/env bats
# Fault injection: capsule SIGKILLed at each step of create, start, exec, delete and image
# import (build-fault/capsule, built with -DCAPSULE_FAULT_INJECTION; CAPSULE_FAULT names the
# step, see runtime/fault.h).  Afterwards `delete --force` (or `image gc`) with the normal
# binary must leave no process, mount, cgroup, state dir or half-written layer.
#   make check-fault     (FAULT_RUNTIME=build-fault/capsule tests/integration/run fault.bats)

load helpers

FAULT=${FAULT_RUNTIME:-$BATS_TEST_DIRNAME/../../build-fault/capsule}

# faulty STEP ARGS...: `runtime ARGS` with the fault build, killed at STEP ($status 137).
faulty() {
	local step=$1
	shift
	[ -x "$FAULT" ] || { echo "no fault build at $FAULT (make build-fault/capsule)" >&2; return 1; }
	CAPSULE_FAULT=$step RUNTIME=$FAULT run_bg runtime "$@"
	[ "$status" -eq 137 ] || { echo "$step: expected SIGKILL (137), got $status: $output" >&2; return 1; }
}

# leaves_nothing ID: no process, mount, cgroup or state of ID after delete --force.
leaves_nothing() {
	local id=$1 p m left
	run runtime delete --force "$id"
	[ "$status" -eq 0 ] || [ ! -e "$STATE_ROOT/$id" ] || { echo "delete --force: $output" >&2; return 1; }
	for p in $(stray_pids); do wait_gone "$p" 3; done
	[ -z "$(stray_pids)" ] || { echo "processes left: $(stray_pids)" >&2; return 1; }
	! grep -F " $BATS_TEST_TMPDIR" /proc/self/mountinfo >&2 || { echo "mounts left" >&2; return 1; }
	for m in $(cgroup_mounts); do
		left=$(find "$m$CG_PARENT" -mindepth 1 -type d 2>/dev/null) || true
		[ -z "$left" ] || { echo "cgroups left: $left" >&2; return 1; }
	done
	[ ! -e "$STATE_ROOT/$id" ] || { echo "state left: $(ls -A "$STATE_ROOT/$id")" >&2; return 1; }
}

@test "fault: capsule killed at each step of create" {
	set_args sleep 1000
	for step in create-state-dir create-cgroup create-spawned create-ready create-saved; do
		id=$(ctr_id)
		faulty "$step" create --bundle "$BUNDLE" "$id"
		leaves_nothing "$id"
	done
}

@test "fault: capsule killed at each step of start" {
	set_args sleep 1000
	for step in start-before-exec start-after-exec; do
		id=$(ctr_id)
		create_ok "$id"
		faulty "$step" start "$id"
		leaves_nothing "$id"
	done
}

@test "fault: capsule killed at each step of run" {
	set_args sleep 1000
	for step in create-spawned create-ready create-saved; do
		id=$(ctr_id)
		faulty "$step" run -d --bundle "$BUNDLE" "$id"
		leaves_nothing "$id"
	done
}

@test "fault: capsule killed at each step of exec" {
	set_args sleep 1000
	for step in exec-spawned exec-started; do
		id=$(ctr_id)
		run_detached_ok "$id"
		faulty "$step" exec "$id" sleep 999
		leaves_nothing "$id"
	done
}

@test "fault: capsule killed at each step of delete" {
	set_args sleep 1000
	for step in delete-killed delete-resources-gone; do
		id=$(ctr_id)
		run_detached_ok "$id"
		faulty "$step" delete --force "$id"
		leaves_nothing "$id"
	done
}

@test "fault: image import killed while staging or committing; image gc leaves no partial layer" {
	"$FIXTURES/make-oci-image" --name test:latest --variant F "$BATS_TEST_TMPDIR/img" >/dev/null
	store=$BATS_TEST_TMPDIR/store
	for step in import-staged import-layer-committed; do
		rm -rf "$store"
		CAPSULE_FAULT=$step run "$FAULT" image --store "$store" import "$BATS_TEST_TMPDIR/img"
		[ "$status" -eq 137 ]
		[ -n "$(ls -A "$store/tmp")" ] # the kill left staged work behind ...
		run "$RUNTIME" image --store "$store" gc
		[ "$status" -eq 0 ]
		[ -z "$(ls -A "$store/tmp")" ] # ... that gc removes
		run "$RUNTIME" image --store "$store" ls
		[[ "$output" != *test:latest* ]]
		# every layer left is complete: it imports again and runs
		run "$RUNTIME" image --store "$store" import "$BATS_TEST_TMPDIR/img"
		[ "$status" -eq 0 ]
		run "$RUNTIME" image --store "$store" gc
		[ -z "$(ls -A "$store/tmp")" ]
	done
}

# in_test_netns BINARY: a wrapper that runs BINARY in network namespace $NS.
in_test_netns() {
	local w=$BATS_TEST_TMPDIR/netns-$(basename "$(dirname "$1")")-$(basename "$1")
	printf '#!/bin/sh\nexec nsenter --net=%s %s "$@"\n' "$NS" "$1" >"$w"
	chmod +x "$w"
	echo "$w"
}

@test "fault: capsule killed with linux.netDevices moved; delete --force moves them back" {
	is_capsule || skip "capsule's linux.netDevices"
	NS=$(new_netns)
	N=${NS##*/}
	ip -n "$N" link add hd0 type veth peer name hd0p
	ip -n "$N" link add hd1 type veth peer name hd1p
	ip -n "$N" addr add 169.254.1.1/24 dev hd0
	FAULT=$(in_test_netns "$FAULT")
	RUNTIME=$(in_test_netns "$RUNTIME")
	update_config '.linux.netDevices = {"hd0": {name: "c0"}, "hd1": {}}'
	set_args sleep 1000
	for step in create-netdev-moved create-ready create-saved; do
		id=$(ctr_id)
		faulty "$step" create --bundle "$BUNDLE" "$id"
		run ! ip -n "$N" link show hd0 # moved (and held) before the kill
		leaves_nothing "$id"
		run -0 ip -n "$N" -o addr show dev hd0
		[[ "$output" == *169.254.1.1/24* ]]
		ip -n "$N" link show hd1 >/dev/null
	done
	for step in delete-killed delete-resources-gone; do
		id=$(ctr_id)
		run_detached_ok "$id"
		faulty "$step" delete --force "$id"
		leaves_nothing "$id"
		ip -n "$N" link show hd0 >/dev/null
		ip -n "$N" link show hd1 >/dev/null
	done
}
