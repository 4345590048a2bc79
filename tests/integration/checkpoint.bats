#!/usr/bin/env bats
# checkpoint/restore through CRIU (libcriu).  CRIU 3.17 does not work on the
# dev host's kernel; this file runs in the vmtest VM (kernel 6.12):
#   /work/shared/vmtest/vm-run --mem 2G --timeout 900 -- tests/integration/run checkpoint.bats
# (criu_errors.bats has the host-side error checks.)
#
# The container is a counter: a busybox sh loop writing 1, 2, 3... to
# /data/count, /data being a bind mount of a host dir, so the host sees
# whether a restored container goes on from where it was.

load helpers

criu_works() {
	criu check >/dev/null 2>&1 || skip "criu check fails on this kernel (run in the vmtest VM)"
}

setup_counter() {
	criu_works
	DATA=$BATS_TEST_TMPDIR/data
	IMG=$BATS_TEST_TMPDIR/img
	mkdir -p "$DATA"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$DATA\", \"options\": [\"rbind\", \"rw\"]}"
	# no fd may point outside the container's mounts (CRIU cannot see them)
	set_cmd 'exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i >/data/count.new; mv /data/count.new /data/count; sleep 0.2; done'
}

# state_cgroup ID: the container's cgroup dir, from capsule's state.json
state_cgroup() { jq -r .cgroup "$STATE_ROOT/$1/state.json"; }

count() { cat "$DATA/count" 2>/dev/null || echo 0; }

# start_counter: a counter container $id, counting (past 2)
start_counter() {
	setup_counter
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_count 2
}

# wait_count N: until the counter is above N (20 s)
wait_count() {
	local end=$((SECONDS + 20))
	until [ "$(count)" -gt "$1" ]; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

@test "checkpoint stops the container; restore goes on counting from where it was" {
	start_counter
	runtime checkpoint --image-path "$IMG" "$id"
	[ -f "$IMG/descriptors.json" ]
	ls "$IMG"/pages-*.img >/dev/null
	# gone, like after runc checkpoint, and no longer counting
	run runtime state "$id"
	[ "$status" -ne 0 ]
	before=$(count)
	sleep 1
	[ "$(count)" = "$before" ]
	# restore under the same id
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	[ "$(runtime state "$id" | jq -r .status)" = running ]
	wait_count $((before + 3))
	# it went on: no restart from 1
	[ "$(count)" -gt "$before" ]
	pid=$(runtime state "$id" | jq -r .pid)
	grep -qx "$pid" "$(state_cgroup "$id")/cgroup.procs"
}

@test "checkpoint --leave-running keeps the container running" {
	start_counter
	runtime checkpoint --leave-running --image-path "$IMG" "$id"
	[ "$(runtime state "$id" | jq -r .status)" = running ]
	now=$(count)
	wait_count $((now + 2))
	ls "$IMG"/pages-*.img >/dev/null
}

@test "pre-dump, then a final dump with --parent-path, restores" {
	start_counter
	runtime checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$id"
	[ "$(runtime state "$id" | jq -r .status)" = running ]
	runtime checkpoint --parent-path ../pre --image-path "$IMG" "$id"
	[ -L "$IMG/parent" ]
	before=$(count)
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	wait_count $((before + 2))
}

@test "restore into a new id, in its own cgroup" {
	start_counter
	runtime checkpoint --image-path "$IMG" "$id"
	before=$(count)
	new=$(ctr_id)
	runtime restore -d --work-path "$BATS_TEST_TMPDIR/work" --image-path "$IMG" \
		--bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$new" </dev/null >/dev/null 2>&1
	[ -f "$BATS_TEST_TMPDIR/work/restore.log" ]
	[ "$(runtime state "$new" | jq -r .status)" = running ]
	[ "$(runtime state "$new" | jq -r .pid)" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	wait_count $((before + 2))
	cg=$(state_cgroup "$new")
	[[ "$cg" == */"$new" ]]
	grep -qx "$(cat "$BATS_TEST_TMPDIR/pid")" "$cg/cgroup.procs"
	# and it is an ordinary container: kill + delete
	runtime kill "$new" KILL
	runtime delete -f "$new"
	[ ! -d "$cg" ]
}

# hook_script: $BATS_TEST_TMPDIR/hook KIND writes its stdin (the state) to KIND.json;
# the prestart one also mounts a tmpfs on $BATS_TEST_TMPDIR/mnt
hook_script() {
	mkdir -p "$BATS_TEST_TMPDIR/mnt"
	cat >"$BATS_TEST_TMPDIR/hook" <<-HOOK
		#!/bin/sh
		cat >"$BATS_TEST_TMPDIR/\$1.json"
		[ "\$1" != prestart ] || mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/mnt"
	HOOK
	chmod +x "$BATS_TEST_TMPDIR/hook"
}

# tty_counter_dumped: a counter with a terminal (its --console-socket receiver
# writes tty.out), checkpointed; before = its count then
tty_counter_dumped() {
	setup_counter
	update_config '.process.terminal = true'
	set_cmd 'i=0; while :; do i=$((i+1)); echo $i >/data/count.new; mv /data/count.new /data/count; [ -t 1 ] && echo tty-$i; sleep 0.2; done'
	id=$(ctr_id)
	start_recvtty "$BATS_TEST_TMPDIR/c1" "$BATS_TEST_TMPDIR/tty.out"
	run_detached_ok "$id" --console-socket "$BATS_TEST_TMPDIR/c1"
	wait_count 2
	runtime checkpoint --image-path "$IMG" "$id"
	# the old terminal hung up with the dumped container
	wait_recvtty 10
	grep -q '^tty-1' "$BATS_TEST_TMPDIR/tty.out"
	before=$(count)
}

# first_tty_count FILE: the first "tty-N" the restored process printed
first_tty_count() { grep -o '^tty-[0-9]*' "$1" | head -n 1 | cut -d- -f2; }

@test "restore --console-socket: a terminal container's new pty master goes to the socket" {
	tty_counter_dumped
	# detached, a terminal container cannot be restored without a socket for its pty
	run runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"console socket"* ]]
	start_recvtty "$BATS_TEST_TMPDIR/c2" "$BATS_TEST_TMPDIR/out2"
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/c2" "$id"
	[ "$(runtime state "$id" | jq -r .status)" = running ]
	wait_count $((before + 3))
	runtime kill "$id" KILL
	wait_recvtty 10
	# the restored process went on printing to the new terminal, from where it was
	[ "$(first_tty_count "$BATS_TEST_TMPDIR/out2")" -gt "$before" ]
	runtime delete -f "$id"
}

@test "restore in the foreground relays a terminal container's new pty and ends with its status" {
	tty_counter_dumped
	runtime restore --image-path "$IMG" --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/fg.out" 2>&1 3>&- &
	local fg=$! rc=0
	wait_count $((before + 3))
	runtime kill "$id" KILL
	wait "$fg" || rc=$?
	[ "$rc" = 137 ]
	[ "$(first_tty_count "$BATS_TEST_TMPDIR/fg.out")" -gt "$before" ]
	# deleted, as after run
	run runtime state "$id"
	[ "$status" -ne 0 ]
}

@test "restore runs prestart and createRuntime hooks with the restored pid, in the host's mount namespace, no other kinds (as runc)" {
	start_counter
	runtime checkpoint --image-path "$IMG" "$id"
	hook_script
	local k j=
	for k in prestart createRuntime createContainer startContainer poststart; do
		j="$j | .hooks.$k = [{path: \"$BATS_TEST_TMPDIR/hook\", args: [\"hook\", \"$k\"]}]"
	done
	update_config ".${j#* | .}"
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	pid=$(runtime state "$id" | jq -r .pid)
	for k in prestart createRuntime; do
		[ "$(jq -r .pid "$BATS_TEST_TMPDIR/$k.json")" = "$pid" ]
		[ "$(jq -r .id "$BATS_TEST_TMPDIR/$k.json")" = "$id" ]
		[ "$(jq -r .status "$BATS_TEST_TMPDIR/$k.json")" = creating ]
	done
	for k in createContainer startContainer poststart; do [ ! -e "$BATS_TEST_TMPDIR/$k.json" ]; done
	# the prestart hook's mount is on the host, not in a namespace of capsule's
	local m=0
	mountpoint -q "$BATS_TEST_TMPDIR/mnt" || m=$?
	umount "$BATS_TEST_TMPDIR/mnt" 2>/dev/null || true
	[ "$m" = 0 ]
	runtime delete -f "$id"
}

@test "restore: a failing createRuntime hook fails it and leaves nothing" {
	start_counter
	cg=$(state_cgroup "$id")
	runtime checkpoint --image-path "$IMG" "$id"
	update_config '.hooks.createRuntime = [{path: "/bin/false"}]'
	run runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *createRuntime* ]]
	run runtime state "$id"
	[ "$status" -ne 0 ]
	[ ! -e "$STATE_ROOT/$id" ]
	[ ! -e "$cg" ]
	before=$(count)
	sleep 1
	[ "$(count)" = "$before" ]
}
