#!/usr/bin/env bats
# OCI hooks: each kind runs with the container state on stdin; args, env, timeout,
# failure handling.

load helpers

# hook_json 'shell command' [extra jq fields]: a hook running sh -c CMD on the host
hook_json() {
	jq -cn --arg c "$1" '{path: "/bin/sh", args: ["sh", "-c", $c]}'
}

# add_hook KIND JSON
add_hook() { update_config ".hooks.$1 += [$2]"; }

# A host dir bind-mounted at /hostdir, for startContainer hooks (they run inside).
mount_hostdir() {
	mkdir -p "$BATS_TEST_TMPDIR/hostdir"
	add_mount "{\"destination\": \"/hostdir\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/hostdir\", \"options\": [\"rbind\", \"rw\"]}"
}

# check_state FILE ID STATUS...: FILE holds state JSON for ID with one of STATUSes
check_state() {
	local f=$1 id=$2 st ok=1
	shift 2
	[ -s "$f" ] || { echo "hook wrote no $f" >&2; return 1; }
	jq . "$f" >/dev/null || { echo "not JSON: $(cat "$f")" >&2; return 1; }
	[ "$(jq -r .id "$f")" = "$id" ]
	[ "$(jq -r .bundle "$f")" = "$BUNDLE" ]
	[ "$(jq -r .ociVersion "$f")" != null ]
	st=$(jq -r .status "$f")
	for s in "$@"; do [ "$st" = "$s" ] && ok=0; done
	[ "$ok" = 0 ] || { echo "$f: status $st, expected one of $*" >&2; return 1; }
}

@test "hooks: prestart and createRuntime get the state on stdin at create" {
	d=$BATS_TEST_TMPDIR
	add_hook prestart "$(hook_json "cat >$d/prestart.json")"
	add_hook createRuntime "$(hook_json "cat >$d/createRuntime.json")"
	set_args sleep 1000
	id=$(ctr_id)
	create_ok "$id"
	check_state "$d/prestart.json" "$id" creating created
	check_state "$d/createRuntime.json" "$id" creating created
	pid=$(ctr_pid "$id")
	[ "$(jq -r .pid "$d/prestart.json")" = "$pid" ]
	[ "$(jq -r .pid "$d/createRuntime.json")" = "$pid" ]
}

@test "hooks: poststart runs at start, not at create" {
	# runc 1.1 runs poststart hooks at the end of create (fixed in 1.2).
	d=$BATS_TEST_TMPDIR
	add_hook poststart "$(hook_json "cat >$d/poststart.json")"
	set_args sleep 1000
	id=$(ctr_id)
	create_ok "$id"
	[ ! -e "$d/poststart.json" ]
	runtime start "$id"
	wait_file "$d/poststart.json"
	check_state "$d/poststart.json" "$id" running created
	[ "$(jq -r .pid "$d/poststart.json")" = "$(ctr_pid "$id")" ]
}

@test "hooks: createContainer runs in the container's namespaces" {
	d=$BATS_TEST_TMPDIR
	add_hook createContainer "$(hook_json "cat >$d/cc.json; readlink /proc/self/ns/mnt >$d/cc.mnt")"
	set_args sleep 1000
	id=$(ctr_id)
	create_ok "$id"
	check_state "$d/cc.json" "$id" creating created
	pid=$(ctr_pid "$id")
	[ "$(cat "$d/cc.mnt")" = "$(readlink "/proc/$pid/ns/mnt")" ]
	# The state's pid is the host's view (runtime-spec); runc 1.1 writes 1 here.
	[ "$(jq -r .pid "$d/cc.json")" = "$pid" ]
}

@test "hooks: startContainer runs inside the container at start" {
	mount_hostdir
	# path and sh resolve inside the container's root
	add_hook startContainer "$(hook_json 'cat >/hostdir/sc.json; hostname >/hostdir/sc.host')"
	update_config '.hostname = "in-ctr"'
	set_args sleep 1000
	id=$(ctr_id)
	create_ok "$id"
	[ ! -e "$BATS_TEST_TMPDIR/hostdir/sc.json" ]
	runtime start "$id"
	wait_file "$BATS_TEST_TMPDIR/hostdir/sc.json"
	check_state "$BATS_TEST_TMPDIR/hostdir/sc.json" "$id" created running
	[ "$(cat "$BATS_TEST_TMPDIR/hostdir/sc.host")" = in-ctr ]
}

@test "hooks: poststop runs on delete" {
	d=$BATS_TEST_TMPDIR
	add_hook poststop "$(hook_json "cat >$d/poststop.json")"
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	[ ! -e "$d/poststop.json" ]
	runtime kill "$id" KILL
	wait_status "$id" stopped
	[ ! -e "$d/poststop.json" ]
	run runtime delete "$id"
	[ "$status" -eq 0 ]
	check_state "$d/poststop.json" "$id" stopped
}

@test "hooks: poststop runs on delete --force of a running container" {
	d=$BATS_TEST_TMPDIR
	add_hook poststop "$(hook_json "cat >$d/poststop.json")"
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime delete --force "$id"
	[ "$status" -eq 0 ]
	check_state "$d/poststop.json" "$id" stopped
}

@test "hooks: args and env are the hook's own" {
	d=$BATS_TEST_TMPDIR
	add_hook prestart "{\"path\": \"/bin/sh\", \"args\": [\"my-argv0\", \"-c\", \"tr '\\\\0' ' ' </proc/\$\$/cmdline >$d/args; env >$d/env\", \"zero\", \"one\"], \"env\": [\"HOOKVAR=hook value\", \"PATH=/bin:/usr/bin\"]}"
	set_args true
	id=$(ctr_id)
	create_ok "$id"
	[[ "$(cat "$d/args")" == "my-argv0 -c "*" zero one " ]]
	grep -qx 'HOOKVAR=hook value' "$d/env"
	# nothing of the runtime's environment
	! grep -q '^BATS_' "$d/env"
}

@test "hooks: order within a kind is the config's" {
	d=$BATS_TEST_TMPDIR
	for n in 1 2 3; do add_hook createRuntime "$(hook_json "echo $n >>$d/order")"; done
	set_args true
	create_ok "$(ctr_id)"
	[ "$(tr '\n' ' ' <"$d/order")" = "1 2 3 " ]
}

# expect_clean_failure: the last create failed and left nothing behind
expect_clean_failure() {
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$STATE_ROOT")" ] || { echo "state left: $(ls -A "$STATE_ROOT")" >&2; return 1; }
	[ -z "$(stray_pids)" ] || { echo "processes left: $(stray_pids)" >&2; return 1; }
	! grep -qF " $BATS_TEST_TMPDIR" /proc/self/mountinfo
}

@test "hooks: a failing prestart hook fails create and leaves nothing" {
	add_hook prestart "$(hook_json 'exit 3')"
	set_args sleep 1000
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	for p in $(stray_pids); do wait_gone "$p" 2; done
	expect_clean_failure
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
	add_hook createRuntime "$(hook_json 'echo hook-says-no >&2; exit 1')"
	set_args sleep 1000
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	for p in $(stray_pids); do wait_gone "$p" 2; done
	expect_clean_failure
}

@test "hooks: a failing createContainer hook fails create" {
	add_hook createContainer "$(hook_json 'exit 1')"
	set_args sleep 1000
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	for p in $(stray_pids); do wait_gone "$p" 2; done
	expect_clean_failure
}

@test "hooks: a missing hook binary fails create" {
	add_hook prestart '{"path": "/nonexistent/hook"}'
	set_args sleep 1000
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	for p in $(stray_pids); do wait_gone "$p" 2; done
	expect_clean_failure
}

@test "hooks: timeout kills a slow hook and create fails" {
	d=$BATS_TEST_TMPDIR
	add_hook createRuntime "$(jq -cn --arg c "echo \$\$ >$d/hook.pid; exec sleep 30" \
		'{path: "/bin/sh", args: ["sh", "-c", $c], timeout: 1}')"
	set_args sleep 1000
	SECONDS=0
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$SECONDS" -lt 10 ]
	for p in $(stray_pids); do wait_gone "$p" 2; done
	expect_clean_failure
	wait_gone "$(cat "$d/hook.pid")" 2
}

@test "hooks: a failing poststart hook fails start and stops the container; poststop runs on delete" {
	d=$BATS_TEST_TMPDIR
	add_hook poststart "$(hook_json 'exit 1')"
	add_hook poststop "$(hook_json "cat >$d/poststop.json")"
	set_args sleep 1000
	id=$(ctr_id)
	create_ok "$id"
	# runtime-spec 1.3 (runc 1.4; runc 1.1 too, from create): the runtime
	# generates an error and stops the container.
	run runtime start "$id"
	[ "$status" -ne 0 ]
	is_capsule && [[ "$output" == *poststart* ]]
	wait_status "$id" stopped
	run runtime delete "$id"
	[ "$status" -eq 0 ]
	check_state "$d/poststop.json" "$id" stopped
}

@test "hooks: a failing poststart hook fails run -d and run; nothing is left" {
	add_hook poststart "$(hook_json 'exit 1')"
	set_args sleep 1000
	id=$(ctr_id)
	run_bg runtime run -d --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	run runtime state "$id"
	[ "$status" -ne 0 ]
	id=$(ctr_id)
	run runtime run --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	run runtime state "$id"
	[ "$status" -ne 0 ]
}

@test "hooks: a failing poststop hook does not keep delete from removing the container" {
	add_hook poststop "$(hook_json 'exit 1')"
	set_args true
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_status "$id" stopped
	run runtime delete "$id"
	run runtime state "$id"
	[ "$status" -ne 0 ]
}

# Before the fix: SigIgn 0000000000001000 (SIGPIPE, ignored by the runtime
# while it wrote the state to the hooks' stdin) leaked into the container.
@test "hooks: no ignored or blocked signal leaks into the container process or an exec" {
	update_config '.hooks.createContainer = [{path: "/bin/true"}] | .hooks.startContainer = [{path: "/bin/true"}]'
	set_args sh -c 'grep -E "^Sig(Ign|Blk)" /proc/self/status; sleep 100'
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_file "$BG_OUT"
	sleep 0.2
	cat "$BG_OUT"
	grep -q '^SigIgn:[[:space:]]*0000000000000000$' "$BG_OUT"
	grep -q '^SigBlk:[[:space:]]*0000000000000000$' "$BG_OUT"
	run runtime exec "$id" grep -E "^Sig(Ign|Blk)" /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^SigIgn:[[:space:]]*0000000000000000$' <<<"$output"
	grep -q '^SigBlk:[[:space:]]*0000000000000000$' <<<"$output"
}

@test "hooks: a hook process starts with no ignored or blocked signal" {
	# Before: the second hook inherited SIGPIPE ignored for the first.
	cat >"$BATS_TEST_TMPDIR/hook" <<-EOF2
		#!/bin/sh
		grep -E "^Sig(Ign|Blk)" /proc/self/status >$BATS_TEST_TMPDIR/hook.out
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/hook"
	update_config ".hooks.createRuntime = [{path: \"/bin/true\"}, {path: \"$BATS_TEST_TMPDIR/hook\"}]"
	set_args true
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -eq 0 ]
	cat "$BATS_TEST_TMPDIR/hook.out"
	grep -q '^SigBlk:[[:space:]]*0000000000000000$' "$BATS_TEST_TMPDIR/hook.out"
	grep -q '^SigIgn:[[:space:]]*0000000000000000$' "$BATS_TEST_TMPDIR/hook.out"
}
