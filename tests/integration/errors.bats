#!/usr/bin/env bats
# Bad bundles: create fails with a non-zero exit and a one-line error, and leaves no
# state dir, no process and no mount behind.  For capsule the message must also name
# the offending JSON field; runc and crun only have to fail.

load helpers

# create_fails [FIELD]: create from $BUNDLE must fail cleanly; capsule's message
# must mention FIELD.
create_fails() {
	local p
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ] || { echo "create succeeded" >&2; return 1; }
	[ -n "$output" ] || { echo "no error message" >&2; return 1; }
	if is_capsule; then
		[ "${#lines[@]}" -eq 1 ] || { echo "expected one line: $output" >&2; return 1; }
		[ -z "${1:-}" ] || assert_contains "$output" "$1"
	fi
	for p in $(stray_pids); do wait_gone "$p" 2; done
	[ -z "$(ls -A "$STATE_ROOT")" ] || { echo "state left: $(ls -A "$STATE_ROOT")" >&2; return 1; }
	[ -z "$(stray_pids)" ] || { echo "processes left: $(stray_pids)" >&2; return 1; }
	! grep -F " $BATS_TEST_TMPDIR" /proc/self/mountinfo >&2
	run runtime list -q
	[ -z "$output" ]
}

@test "errors: no config.json" {
	rm "$BUNDLE/config.json"
	create_fails config.json
}

@test "errors: malformed config.json (truncated)" {
	head -c 100 "$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	create_fails config.json
}

@test "errors: config.json is not an object" {
	echo '[1, 2]' >"$BUNDLE/config.json"
	create_fails
}

@test "errors: wrong type: process.args is a string" {
	update_config '.process.args = "sh"'
	create_fails process.args
}

@test "errors: wrong type: process.user.uid is a string" {
	update_config '.process.user.uid = "0"'
	create_fails uid
}

@test "errors: wrong type: linux.namespaces is an object" {
	update_config '.linux.namespaces = {"type": "pid"}'
	create_fails linux.namespaces
}

@test "errors: wrong type: mounts[].options is a string" {
	update_config '.mounts[0].options = "ro"'
	create_fails options
}

@test "errors: missing rootfs" {
	update_config '.root.path = "no-such-rootfs"'
	create_fails no-such-rootfs
}

@test "errors: missing process.args" {
	update_config 'del(.process.args)'
	create_fails args
}

@test "errors: empty process.args" {
	update_config '.process.args = []'
	create_fails args
}

@test "errors: unknown namespace type" {
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	create_fails bogus
}

@test "errors: duplicate namespace type" {
	update_config '.linux.namespaces += [{"type": "pid"}]'
	create_fails pid
}

@test "errors: unknown mount option is not silently dropped into flags" {
	# runc passes unknown options as data; the kernel then refuses them for proc.
	update_config '(.mounts[] | select(.destination == "/proc")).options = ["bogus-option"]'
	create_fails
}

@test "errors: unsupported ociVersion" {
	update_config '.ociVersion = "99.0.0"'
	set_args true
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	# runc and crun accept any version; capsule must refuse a major it does not know.
	if is_capsule; then
		[ "$status" -ne 0 ]
		assert_contains "$output" ociVersion
	fi
}

@test "errors: a mount with no type that is not a bind fails" {
	update_config '.mounts += [{"destination": "/mnt", "source": "tmpfs"}]'
	create_fails type
}

@test "errors: the failing container's exec'd program does not exist" {
	set_args /no/such/program
	run_bg runtime run -d --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	for p in $(stray_pids); do wait_gone "$p" 2; done
	[ -z "$(stray_pids)" ]
}

# ---- bad input: one clear line naming the field (issue 9) ----

@test "errors: a new user namespace without uidMappings/gidMappings" {
	update_config '.linux.namespaces += [{"type": "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
	create_fails uidMappings
	is_capsule || return 0
	[[ "$output" != *"Value too large"* ]]
}

@test "errors: uidMappings without a user namespace" {
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	if is_capsule; then
		create_fails linux.uidMappings
	fi
}

@test "errors: a rootfs that is a file, not a directory" {
	printf 'x' >"$BATS_TEST_TMPDIR/afile"
	update_config ".root.path = \"$BATS_TEST_TMPDIR/afile\""
	create_fails "not a directory"
	is_capsule || return 0
	[[ "$output" != *"does not exist"* ]]
}

@test "errors: a 1 MiB hostname gives a short error naming hostname" {
	head -c 1048576 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/h"
	jq --rawfile h "$BATS_TEST_TMPDIR/h" '.hostname = $h' "$BUNDLE/config.json" >"$BUNDLE/c"
	mv "$BUNDLE/c" "$BUNDLE/config.json"
	create_fails hostname
	is_capsule || return 0
	[ "${#output}" -lt 600 ]
}

@test "errors: process.env entry without '='" {
	update_config '.process.env += ["NOEQUALS"]'
	if is_capsule; then
		create_fails 'process.env[2]: "NOEQUALS"'
	fi
}

@test "errors: an error quotes at most ~200 bytes of a value, keeps the field and the errno" {
	requires_runtime capsule
	long=$(head -c 5000 /dev/zero | tr '\0' b)
	set_args "/$long"
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[ "${#output}" -lt 1200 ]
	assert_contains "$output" "exec:"
	assert_contains "$output" "File name too long"
}

# exec failures: runc's exit code (255) every time, errno text once, the right culprit.
start_sleeper_ctr() {
	set_args sleep 1000
	ID=$(ctr_id)
	run_detached_ok "$ID"
}

@test "errors: exec of a missing program exits 255 every time (as runc), errno said once" {
	requires_runtime capsule runc
	start_sleeper_ctr
	for _ in 1 2 3 4 5 6 7 8; do
		run runtime exec "$ID" /no/such/program
		[ "$status" -eq 255 ]
	done
	assert_contains "$output" "/no/such/program"
	is_capsule || return 0
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" != *"No such file or directory: No such file or directory"* ]]
	[ "$(ctr_status "$ID")" = running ]
}

@test "errors: a bad exec --cwd is not blamed on config.json" {
	requires_runtime capsule
	start_sleeper_ctr
	run runtime exec --cwd /no/such/dir "$ID" true
	[ "$status" -eq 255 ]
	assert_contains "$output" "/no/such/dir"
	[[ "$output" != *config.json* ]]
}
