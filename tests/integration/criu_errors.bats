#!/usr/bin/env bats
# checkpoint/restore errors that need no working CRIU (host suite).  The
# working paths are in checkpoint.bats, run in the vmtest VM.

load helpers

@test "checkpoint of a container that does not exist names it" {
	requires_runtime capsule runc
	run runtime checkpoint --image-path "$BATS_TEST_TMPDIR/img" nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *nosuch* ]]
}

@test "checkpoint of a created container is refused" {
	requires_runtime capsule
	id=$(ctr_id)
	create_ok "$id"
	run runtime checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	[ "$(ctr_status "$id")" = created ]
}

@test "a bad --manage-cgroups-mode is one clear line" {
	requires_runtime capsule
	id=$(ctr_id)
	set_args sleep 100
	run_detached_ok "$id"
	run runtime checkpoint --manage-cgroups-mode sometimes --image-path "$BATS_TEST_TMPDIR/img" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *'--manage-cgroups-mode "sometimes": expected soft, full, strict or ignore'* ]]
	[ "$(ctr_status "$id")" = running ]
}

@test "--criu names the criu binary (runc's flag): a missing one is one clear line" {
	requires_runtime capsule
	id=$(ctr_id)
	set_args sleep 100
	run_detached_ok "$id"
	run runtime --criu /nonexistent/criu checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot run criu"* ]]
	[ "$(ctr_status "$id")" = running ]
}

@test "where CRIU cannot work, checkpoint says why and the container keeps running" {
	requires_runtime capsule
	! criu check >/dev/null 2>&1 || skip "CRIU works on this kernel (checkpoint.bats covers it)"
	id=$(ctr_id)
	set_args sleep 100
	run_detached_ok "$id"
	run runtime checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"criu dump failed"* ]]
	[[ "$output" == *"(log: $BATS_TEST_TMPDIR/img/dump.log)"* ]]
	[ -s "$BATS_TEST_TMPDIR/img/dump.log" ]
	[ "$(ctr_status "$id")" = running ]
}

@test "restore from a missing image dir fails cleanly" {
	requires_runtime capsule
	id=$(ctr_id)
	run runtime restore -d --image-path "$BATS_TEST_TMPDIR/none" --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--image-path: open $BATS_TEST_TMPDIR/none"* ]]
	run runtime list -q
	[ -z "$output" ]
}

@test "restore --console-socket without process.terminal is one clear line, before CRIU" {
	requires_runtime capsule
	run runtime restore --console-socket /nonexistent --image-path "$BATS_TEST_TMPDIR" \
		--bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--console-socket"*"process.terminal is false"* ]]
	run runtime list -q
	[ -z "$output" ]
}

@test "restore -d of a terminal container: no --console-socket, or one that does not answer, is refused cleanly" {
	requires_runtime capsule
	update_config '.process.terminal = true'
	run runtime restore -d --image-path "$BATS_TEST_TMPDIR" --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"detach without setting console socket"* ]]
	run runtime restore -d --console-socket "$BATS_TEST_TMPDIR/none.sock" \
		--image-path "$BATS_TEST_TMPDIR" --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"console socket $BATS_TEST_TMPDIR/none.sock"* ]]
	run runtime list -q
	[ -z "$output" ]
}
