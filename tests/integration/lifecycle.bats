#!/usr/bin/env bats
# Container lifecycle: create, start, state, run, kill, delete, list, and their errors.

load helpers

# The message for an unknown container: capsule and runc say "does not exist";
# crun 1.8 names the missing state file ("error opening file .../status: No such file").
assert_no_such_container() {
	if is_capsule || [ "$(runtime_name)" = runc ]; then
		assert_contains "$1" "does not exist"
	else
		assert_contains_any "$1" "does not exist" "No such file or directory"
	fi
}

@test "create: init waits, state created, pid file holds the init pid" {
	set_args sleep 100
	id=$(ctr_id)
	create_ok "$id" --pid-file "$BATS_TEST_TMPDIR/pid"
	[ "$(ctr_status "$id")" = created ]
	pid=$(ctr_pid "$id")
	[ "$pid" -gt 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$pid" ]
	[ -d "/proc/$pid" ]
	# Not exec'd yet: the init is still the runtime, not sleep.
	[ "$(readlink "/proc/$pid/exe")" != "$(readlink -f "$ROOTFS/bin/busybox")" ]
	[ "$(ns_inode "$pid" mnt)" != "$(ns_inode $$ mnt)" ]
}

@test "start: created -> running, the process is the config's" {
	set_args sleep 100
	id=$(ctr_id)
	create_ok "$id"
	run runtime start "$id"
	[ "$status" -eq 0 ]
	wait_status "$id" running
	pid=$(ctr_pid "$id")
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]
}

@test "state: JSON fields" {
	set_args sleep 100
	update_config '.annotations = {"org.example.key": "value", "x": "y"}'
	id=$(ctr_id)
	create_ok "$id"
	run runtime state "$id"
	[ "$status" -eq 0 ]
	json=$output
	[ "$(jq -r .ociVersion <<<"$json")" != null ]
	[[ "$(jq -r .ociVersion <<<"$json")" =~ ^1\.[0-9]+\.[0-9]+ ]]
	[ "$(jq -r .id <<<"$json")" = "$id" ]
	[ "$(jq -r .status <<<"$json")" = created ]
	[ "$(jq -r '.pid | type' <<<"$json")" = number ]
	[ "$(jq -r .pid <<<"$json")" -gt 0 ]
	[ "$(jq -r .bundle <<<"$json")" = "$BUNDLE" ]
	[ "$(jq -r '.annotations["org.example.key"]' <<<"$json")" = value ]
	[ "$(jq -r '.annotations.x' <<<"$json")" = y ]

	runtime start "$id"
	wait_status "$id" running
	runtime kill "$id" KILL
	wait_status "$id" stopped
	run runtime state "$id"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(jq -r .id <<<"$output")" = "$id" ]
}

@test "run: foreground exit code is the process's (exit 3 -> 3)" {
	set_cmd 'echo hello; exit 3'
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -eq 3 ]
	[ "$output" = hello ]
}

@test "run: foreground exit 0 and the container is gone afterwards" {
	set_args true
	id=$(ctr_id)
	run runtime run --bundle "$BUNDLE" "$id"
	[ "$status" -eq 0 ]
	run runtime state "$id"
	[ "$status" -ne 0 ]
}

@test "run: a process killed by a signal gives 128+N" {
	# Not the pid namespace's init: an init cannot be killed by its own signals.
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_cmd 'kill -TERM $$; sleep 5'
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -eq 143 ]
}

@test "run: init SIGKILLed from outside gives 137" {
	set_args sleep 100
	id=$(ctr_id)
	runtime run --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	bg=$!
	wait_status "$id" running
	runtime kill "$id" KILL
	rc=0
	wait "$bg" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "run --detach: returns at once, container running" {
	set_args sleep 100
	id=$(ctr_id)
	run_detached_ok "$id"
	[ "$(ctr_status "$id")" = running ]
	pid=$(ctr_pid "$id")
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]
}

@test "run --detach: stdout of the container reaches the caller's stdout" {
	set_cmd 'echo out-line; echo err-line >&2'
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_status "$id" stopped
	run cat "$BG_OUT"
	[[ "$output" == *out-line* ]]
	[[ "$output" == *err-line* ]]
}

@test "kill: signal by name, SIG name and number" {
	# A trap makes the init take SIGTERM/SIGUSR1 (an init ignores unhandled signals).
	set_cmd 'trap "echo got-usr1 >/dev/shm/usr1" USR1; trap "exit 42" TERM; while :; do sleep 0.05; done'
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime kill "$id" USR1
	[ "$status" -eq 0 ]
	pid=$(ctr_pid "$id")
	for i in $(seq 100); do [ -e "/proc/$pid/root/dev/shm/usr1" ] && break; sleep 0.02; done
	[ -e "/proc/$pid/root/dev/shm/usr1" ]
	run runtime kill "$id" SIGTERM
	[ "$status" -eq 0 ]
	wait_status "$id" stopped

	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime kill "$id" 9
	[ "$status" -eq 0 ]
	wait_status "$id" stopped

	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime kill "$id" KILL
	[ "$status" -eq 0 ]
	wait_status "$id" stopped
}

@test "kill: default signal is SIGTERM" {
	set_cmd 'trap "exit 0" TERM; while :; do sleep 0.05; done'
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime kill "$id"
	[ "$status" -eq 0 ]
	wait_status "$id" stopped
}

@test "kill: an unknown signal name fails" {
	set_args sleep 100
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime kill "$id" NOTASIGNAL
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$id")" = running ]
}

@test "kill --all: every process of the container" {
	# Without a pid namespace, --all is what reaches the children.
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_cmd 'sleep 100 & sleep 100 & echo ready >/dev/shm/r; wait'
	id=$(ctr_id)
	run_detached_ok "$id"
	pid=$(ctr_pid "$id")
	for i in $(seq 100); do [ -e "/proc/$pid/root/dev/shm/r" ] && break; sleep 0.02; done
	kids=$(cat /proc/"$pid"/task/*/children)
	[ "$(wc -w <<<"$kids")" -eq 2 ]
	run runtime kill --all "$id" KILL
	[ "$status" -eq 0 ]
	wait_status "$id" stopped
	for k in $kids; do wait_gone "$k"; done
}

@test "delete: a stopped container, its state is gone" {
	set_args true
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_status "$id" stopped
	run runtime delete "$id"
	[ "$status" -eq 0 ]
	run runtime state "$id"
	[ "$status" -ne 0 ]
	[ ! -e "$STATE_ROOT/$id" ]
}

@test "delete: a created container (never started) is killed and removed" {
	set_args sleep 100
	id=$(ctr_id)
	create_ok "$id"
	pid=$(ctr_pid "$id")
	run runtime delete "$id"
	if is_capsule; then
		# runtime-spec (and runtime-tools' delete test): deleting a container
		# that is not stopped is an error; runc and crun kill it quietly.
		[ "$status" -ne 0 ]
		assert_contains "$output" "not stopped"
		kill -0 "$pid"
		run runtime delete --force "$id"
	fi
	[ "$status" -eq 0 ]
	wait_gone "$pid"
	run runtime state "$id"
	[ "$status" -ne 0 ]
}

@test "delete: a running container without --force fails and leaves it running" {
	set_args sleep 100
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime delete "$id"
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$id")" = running ]
}

@test "delete --force: a running container" {
	set_args sleep 100
	id=$(ctr_id)
	run_detached_ok "$id"
	pid=$(ctr_pid "$id")
	run runtime delete --force "$id"
	[ "$status" -eq 0 ]
	wait_gone "$pid"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	[ -z "$(runtime list -q)" ]
}

@test "list: -q and --format json" {
	set_args sleep 100
	a=$(ctr_id)
	b=$(ctr_id)
	create_ok "$a"
	run_detached_ok "$b"
	run runtime list -q
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')" ]

	run runtime list --format json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	[ "$(jq -r --arg i "$a" '.[] | select(.id == $i) | .status' <<<"$output")" = created ]
	[ "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .status' <<<"$output")" = running ]
	[ "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .bundle' <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .pid' <<<"$output")" = "$(ctr_pid "$b")" ]

	run runtime list
	[ "$status" -eq 0 ]
	# The header: runc (and capsule) "ID PID STATUS ...", crun 1.8 "NAME PID STATUS ..."
	if [ "$(runtime_name)" = crun ]; then
		[[ "${lines[0]}" == NAME* ]]
	else
		[[ "${lines[0]}" == ID* ]]
	fi
	[ "${#lines[@]}" -eq 3 ]
}

@test "list: empty state root" {
	run runtime list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run runtime list --format json
	[ "$status" -eq 0 ]
	# runc prints null for none, crun []
	[ "$(jq 'length' <<<"$output")" -eq 0 ]
}

@test "errors: an unknown id (state, start, kill, delete)" {
	for cmd in state start kill delete; do
		run runtime "$cmd" nosuchcontainer
		[ "$status" -ne 0 ]
		assert_no_such_container "$output"
	done
}

@test "errors: start twice" {
	set_args sleep 100
	id=$(ctr_id)
	create_ok "$id"
	runtime start "$id"
	run runtime start "$id"
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$id")" = running ]
}

@test "errors: start of a stopped container" {
	set_args true
	id=$(ctr_id)
	create_ok "$id"
	runtime start "$id"
	wait_status "$id" stopped
	run runtime start "$id"
	[ "$status" -ne 0 ]
}

@test "errors: kill of a stopped container" {
	set_args true
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_status "$id" stopped
	run runtime kill "$id" KILL
	[ "$status" -ne 0 ]
	# runc 1.1 (and capsule): "container not running"; crun 1.8: "No such process"
	if is_capsule; then
		assert_contains "$output" "container not running"
	else
		assert_contains_any "$output" "container not running" "no such process" "process already finished"
	fi
}

@test "errors: duplicate id" {
	set_args sleep 100
	id=$(ctr_id)
	create_ok "$id"
	pid=$(ctr_pid "$id")
	run_bg runtime create --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" "already exists"
	# The first one is untouched.
	[ "$(ctr_status "$id")" = created ]
	[ "$(ctr_pid "$id")" = "$pid" ]
}

@test "errors: invalid ids are refused and create nothing" {
	set_args true
	long=$(printf 'a%.0s' $(seq 1 1024))
	for id in "../x" "a/b" "/abs" ".." "$long"; do
		run_bg runtime create --bundle "$BUNDLE" "$id"
		[ "$status" -ne 0 ]
		run runtime list -q
		[ -z "$output" ]
	done
	[ -z "$(ls -A "$STATE_ROOT")" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

# --- cgroups that are gone, shared or frozen (issue 9) -------------------------------
# Each failed before the fix: delete segfaulted (SIGSEGV, status 139); the
# shared cgroup lost the second container's sleep; run into a frozen cgroup,
# and run whose cgroup a createRuntime hook freezes, hung until `timeout`;
# SIGTERM while an in-container hook ran was held until the hook ended.

# unified_cg REL: the cgroup2 directory of a cgroupsPath (hybrid or pure v2)
unified_cg() {
	local m
	m=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	echo "$m$1"
}

@test "delete: a container whose cgroup was removed is deleted (missing = cleaned up)" {
	set_args true
	id=$(ctr_id)
	create_ok "$id"
	run runtime start "$id"
	[ "$status" -eq 0 ]
	wait_status "$id" stopped
	rmdir "$(unified_cg "$CG_PARENT/$id")"
	run runtime delete "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	run runtime state "$id"
	[ "$status" -ne 0 ]
}

@test "cgroups: two containers sharing a cgroupsPath: a warning, and delete -f of one spares the other" {
	is_capsule || skip "capsule's warning and kill scope"
	set_args sleep 100
	update_config ".linux.cgroupsPath = \"$CG_PARENT/shared\""
	a=$(ctr_id)
	b=$(ctr_id)
	run_detached_ok "$a"
	run_detached_ok "$b"
	assert_contains "$output" "is not empty: 1 process(es) found"
	pb=$(ctr_pid "$b")
	run runtime delete -f "$a"
	[ "$status" -eq 0 ]
	sleep 0.3
	[ "$(ctr_status "$b")" = running ]
	[ -d "/proc/$pb" ]
}

@test "cgroups: run into a frozen cgroup fails at once instead of hanging" {
	cg=$(unified_cg "$CG_PARENT/frozen")
	mkdir -p "$cg"
	[ -e "$cg/cgroup.freeze" ] || skip "no cgroup.freeze"
	echo 1 >"$cg/cgroup.freeze"
	update_config ".linux.cgroupsPath = \"$CG_PARENT/frozen\""
	set_args true
	id=$(ctr_id)
	run_bg timeout -k 5 20 "$RUNTIME" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id"
	echo 0 >"$cg/cgroup.freeze"
	echo "$output"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] && [ "$status" -ne 0 ]
	assert_contains "$output" "frozen"
	[ -d "$cg" ] # someone else's: left alone
}

@test "cgroups: a cgroup frozen while the container is set up fails run, not hangs" {
	id=$(ctr_id)
	cg=$(unified_cg "$CG_PARENT/$id")
	cat >"$BATS_TEST_TMPDIR/freeze" <<-HOOK
		#!/bin/sh
		echo 1 >$cg/cgroup.freeze
	HOOK
	chmod +x "$BATS_TEST_TMPDIR/freeze"
	update_config ".linux.cgroupsPath = \"$CG_PARENT/$id\""
	update_config ".hooks.createRuntime = [{path: \"$BATS_TEST_TMPDIR/freeze\"}]"
	set_args true
	run_bg timeout -k 5 20 "$RUNTIME" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id"
	echo "$output"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] && [ "$status" -ne 0 ]
	assert_contains "$output" "frozen"
	[ ! -d "$cg" ]
	[ ! -d "$STATE_ROOT/$id" ]
}

@test "run: SIGTERM while the container is set up ends run promptly, nothing left" {
	is_capsule || skip "runc waits for the hook"
	id=$(ctr_id)
	update_config '.hooks.createContainer = [{path: "/bin/sleep", args: ["sleep", "60"]}]'
	update_config ".linux.cgroupsPath = \"$CG_PARENT/$id\""
	set_args true
	start=$SECONDS
	run_bg timeout -k 10 1 "$RUNTIME" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id"
	echo "$output"
	[ $((SECONDS - start)) -lt 8 ]
	[ "$status" -ne 0 ] && [ "$status" -ne 137 ]
	assert_contains "$output" "interrupted by signal 15"
	[ ! -d "$STATE_ROOT/$id" ]
}

# start opened exec.fifo (which lets the init exec) before it took a pidfd on
# the init: a process that exits at once could be gone (a zombie, or reaped)
# by then, and start failed with "open .../exec.fifo: No such process" (1 run
# in 3 under containerd).  Many short create+start rounds, 4 at a time.
@test "start: hundreds of create+start of an instant process, some in parallel, never fail" {
	set_args true
	# At most START_STRESS_ROUNDS (300) rounds, no new one after ~45 s: on a
	# busy 2-core host the race showed about once in 300 rounds; under
	# containerd (a reaping shim) one start in three.
	local rounds=${START_STRESS_ROUNDS:-300} par=4 w until=$((SECONDS + 45))
	for w in $(seq "$par"); do
		(
			for i in $(seq $((rounds / par))); do
				[ "$SECONDS" -lt "$until" ] || break
				id=st$w-$i-$$
				b=$BATS_TEST_TMPDIR/b$w
				[ -d "$b" ] || { mkdir -p "$b" && cp "$BUNDLE/config.json" "$b/" && ln -s "$ROOTFS" "$b/rootfs"; }
				jq --arg p "$CG_PARENT/$id" '.linux.cgroupsPath = $p' "$BUNDLE/config.json" >"$b/config.json"
				"$RUNTIME" --root "$STATE_ROOT" create --bundle "$b" "$id" </dev/null >/dev/null 2>>"$BATS_TEST_TMPDIR/err.$w" ||
					echo "create $id failed" >>"$BATS_TEST_TMPDIR/err.$w"
				"$RUNTIME" --root "$STATE_ROOT" start "$id" </dev/null >/dev/null 2>>"$BATS_TEST_TMPDIR/err.$w" ||
					echo "start $id failed" >>"$BATS_TEST_TMPDIR/err.$w"
				"$RUNTIME" --root "$STATE_ROOT" delete -f "$id" >/dev/null 2>&1
			done
		) &
	done
	wait
	cat "$BATS_TEST_TMPDIR"/err.* || true
	! grep -q . "$BATS_TEST_TMPDIR"/err.*
}

# ---- runc's behaviours callers rely on -------------------------------------------

@test "kill ID 0 and kill --all ID 0: a liveness check" {
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	run -0 runtime kill "$id" 0
	run -0 runtime kill --all "$id" 0
	[ "$(ctr_status "$id")" = running ]
	run -0 runtime kill "$id" KILL
	wait_status "$id" stopped
	# stopped: a plain kill fails, --all succeeds (runc 1.1 and 1.2)
	run -1 runtime kill "$id" 0
	[[ "$output" == *"not running"* ]]
	run -0 runtime kill --all "$id" 0
	run -0 runtime kill --all "$id" KILL
}

@test "list: sorted by id, OWNER is the state dir's user" {
	set_args sleep 1000
	local a b base
	base=$(ctr_id)
	a=$base-a
	b=$base-b
	run_detached_ok "$b"
	run_detached_ok "$a"
	run -0 runtime list
	[ "$(awk 'NR > 1 { print $1 }' <<<"$output" | tr '\n' ' ')" = "$a $b " ]
	[ "$(awk 'NR > 1 { print $NF }' <<<"$output" | sort -u)" = root ]
	run -0 runtime list --format json
	[ "$(jq -r '.[].owner' <<<"$output" | sort -u)" = root ]
}

@test "run --keep: the stopped container stays until delete" {
	set_args sh -c 'exit 3'
	id=$(ctr_id)
	run -3 runtime run --keep --bundle "$BUNDLE" "$id"
	[ "$(ctr_status "$id")" = stopped ]
	run -0 runtime delete "$id"
	run runtime state "$id"
	[ "$status" -ne 0 ]
}
