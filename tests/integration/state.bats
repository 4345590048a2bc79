#!/usr/bin/env bats
# The state directory: a missing, unreadable or corrupt state.json never makes a live
# container "not exist", and `delete --force` still kills it through its cgroup (capsule's
# state layout: <root>/<id>/state.json and <root>/<id>/cgroup).

load helpers

# running_ctr ID: a running `sleep` container; sets PID and CG (its cgroup dir).
running_ctr() {
	set_args sleep 1000
	run_detached_ok "$1"
	PID=$(ctr_pid "$1")
	CG=$(jq -r .cgroup "$STATE_ROOT/$1/state.json")
	[ -d "$CG" ]
	[ "$(cat "$STATE_ROOT/$1/cgroup")" = "$CG" ]
}

# gone_everywhere ID: no process, no cgroup, no state dir left.
gone_everywhere() {
	wait_gone "$PID" 5
	[ ! -d "$CG" ]
	[ ! -e "$STATE_ROOT/$1" ]
}

@test "state: a corrupt state.json is an error naming the file, not 'does not exist'" {
	requires_runtime capsule
	id=$(ctr_id)
	running_ctr "$id"
	echo '{"id": "x", "pid": ' >"$STATE_ROOT/$id/state.json"
	for cmd in "state $id" "kill $id KILL" "start $id" "pause $id" "ps $id" "delete $id"; do
		# shellcheck disable=SC2086
		run runtime $cmd
		[ "$status" -ne 0 ]
		assert_contains "$output" "state.json: corrupt"
		[[ "$output" != *"does not exist"* ]]
	done
	[ -d "/proc/$PID" ] # nothing above killed it
	[ -d "$STATE_ROOT/$id" ]
}

@test "state: delete --force of a corrupt state.json kills through the cgroup and warns" {
	requires_runtime capsule
	id=$(ctr_id)
	running_ctr "$id"
	printf 'garbage' >"$STATE_ROOT/$id/state.json"
	run runtime delete --force "$id"
	[ "$status" -eq 0 ]
	assert_contains "$output" "warning"
	assert_contains "$output" "state.json: corrupt"
	gone_everywhere "$id"
}

@test "state: an unreadable state.json (EISDIR) is reported with its errno; delete --force cleans up" {
	requires_runtime capsule
	id=$(ctr_id)
	running_ctr "$id"
	rm "$STATE_ROOT/$id/state.json"
	mkdir "$STATE_ROOT/$id/state.json"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" "state.json: Is a directory"
	run runtime delete --force "$id"
	[ "$status" -eq 0 ]
	gone_everywhere "$id"
}

@test "state: without state.json (a create that died) the container does not exist, delete --force kills its cgroup" {
	requires_runtime capsule
	id=$(ctr_id)
	running_ctr "$id"
	rm "$STATE_ROOT/$id/state.json"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
	run runtime delete --force "$id"
	[ "$status" -eq 0 ]
	gone_everywhere "$id"
}

@test "state: corrupt state.json and no cgroup recorded: delete --force refuses and orphans nothing" {
	requires_runtime capsule
	id=$(ctr_id)
	running_ctr "$id"
	cp "$STATE_ROOT/$id/state.json" "$BATS_TEST_TMPDIR/good.json"
	echo '[]' >"$STATE_ROOT/$id/state.json"
	rm "$STATE_ROOT/$id/cgroup"
	run runtime delete --force "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" "cannot find its processes"
	[ -d "/proc/$PID" ]
	[ -d "$STATE_ROOT/$id" ]
	cp "$BATS_TEST_TMPDIR/good.json" "$STATE_ROOT/$id/state.json" # teardown deletes it
}

# ---- cleanup failures are warnings in the log, never silent ----

# log_warnings LOG: the msg of every warning line of a --log-format json file.
log_warnings() { jq -r 'select(.level == "warning") | .msg' "$1"; }

# busy_stopped_ctr: a stopped container (ID, CG) whose cgroup a process the runtime does not
# know (HOLDER) keeps busy from a sub-cgroup; release_busy ends it.
busy_stopped_ctr() {
	ID=$(ctr_id)
	set_args true
	create_ok "$ID"
	CG=$(cat "$STATE_ROOT/$ID/cgroup")
	runtime start "$ID"
	wait_status "$ID" stopped
	mkdir "$CG/busy"
	sleep 1000 &
	HOLDER=$!
	echo "$HOLDER" >"$CG/busy/cgroup.procs"
}

release_busy() {
	kill "$HOLDER"
	wait "$HOLDER" || true
	rmdir "$CG/busy" "$CG"
}

@test "cleanup: a cgroup that cannot be removed is a warning in the --log (json and text)" {
	requires_runtime capsule
	busy_stopped_ctr
	run "$RUNTIME" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json delete "$ID"
	[ "$status" -eq 0 ] # the container is gone; what is left is said
	[ ! -e "$STATE_ROOT/$ID" ]
	log_warnings "$BATS_TEST_TMPDIR/log.json" | grep -F "delete $ID: cgroup: rmdir $CG/busy: Device or resource busy"
	release_busy

	busy_stopped_ctr
	run "$RUNTIME" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log.txt" delete "$ID"
	[ "$status" -eq 0 ]
	grep -F 'level=warning' "$BATS_TEST_TMPDIR/log.txt" | grep -F "rmdir $CG/busy"
	release_busy
}

@test "cleanup: poststop hooks that cannot be read are a warning, not skipped silently" {
	requires_runtime capsule
	id=$(ctr_id)
	set_args true
	update_config '.hooks.poststop = [{"path": "/bin/true"}]'
	create_ok "$id"
	runtime start "$id"
	wait_status "$id" stopped
	rm "$STATE_ROOT/$id/config.json"
	run "$RUNTIME" --root "$STATE_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json delete "$id"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE_ROOT/$id" ]
	log_warnings "$BATS_TEST_TMPDIR/log.json" | grep -F "poststop hooks not run"
}
