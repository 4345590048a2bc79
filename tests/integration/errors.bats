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
