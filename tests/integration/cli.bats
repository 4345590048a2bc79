#!/usr/bin/env bats
# Command line: --version, help, spec, features, state, --log/--log-format, ps, update.

load helpers

@test "--version: first line is '<name> version X'" {
	run "$RUNTIME" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^[a-z]+\ version\ [0-9]+\.[0-9]+ ]]
	# and it names the OCI spec it implements
	grep -q '^spec: ' <<<"$output"
}

@test "spec: writes a config.json that the runtime itself can run" {
	cd "$BATS_TEST_TMPDIR"
	mkdir specdir && cd specdir
	run "$RUNTIME" spec
	[ "$status" -eq 0 ]
	[ -f config.json ]
	jq -e '.ociVersion and .process.args and .root.path == "rootfs" and (.linux.namespaces | length > 0)' config.json
	# refuses to overwrite
	run "$RUNTIME" spec
	[ "$status" -ne 0 ]
	# runs with the busybox rootfs (terminal off: no tty here)
	cp -al "$ROOTFS" rootfs
	jq '.process.terminal = false | .process.args = ["true"]' config.json >c && mv c config.json
	run runtime run --bundle "$PWD" "$(ctr_id)"
	[ "$status" -eq 0 ]
}

@test "spec --bundle DIR" {
	mkdir "$BATS_TEST_TMPDIR/b2"
	run "$RUNTIME" spec --bundle "$BATS_TEST_TMPDIR/b2"
	[ "$status" -eq 0 ]
	jq . "$BATS_TEST_TMPDIR/b2/config.json" >/dev/null
}

@test "features: JSON with versions, hooks, mount options, namespaces, capabilities" {
	SKIP_REASON="crun 1.8 has no 'features' command" requires_runtime capsule runc
	run "$RUNTIME" features
	[ "$status" -eq 0 ]
	f=$output
	[[ "$(jq -r .ociVersionMin <<<"$f")" =~ ^1\.0\. ]]
	[[ "$(jq -r .ociVersionMax <<<"$f")" =~ ^1\. ]]
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		jq -e --arg h "$h" '.hooks | index($h)' <<<"$f" >/dev/null
	done
	for o in ro rw bind rbind nosuid nodev noexec rprivate rslave; do
		jq -e --arg o "$o" '.mountOptions | index($o)' <<<"$f" >/dev/null
	done
	for n in cgroup ipc mount network pid user uts; do
		jq -e --arg n "$n" '.linux.namespaces | index($n)' <<<"$f" >/dev/null
	done
	for c in CAP_CHOWN CAP_KILL CAP_SYS_ADMIN CAP_NET_BIND_SERVICE; do
		jq -e --arg c "$c" '.linux.capabilities | index($c)' <<<"$f" >/dev/null
	done
}

@test "state: unknown id fails" {
	run runtime state nosuchcontainer
	[ "$status" -ne 0 ]
	[ -n "$output" ]
}

@test "--log FILE --log-format json: JSON lines with level, msg, time" {
	log=$BATS_TEST_TMPDIR/log.json
	run "$RUNTIME" --root "$STATE_ROOT" --log "$log" --log-format json start nosuchcontainer
	[ "$status" -ne 0 ]
	[ -s "$log" ]
	while read -r line; do
		jq -e '(.level | type == "string") and (.msg | type == "string") and (.time | type == "string")' \
			<<<"$line" >/dev/null || { echo "bad log line: $line" >&2; return 1; }
	done <"$log"
	jq -e 'select(.level == "error")' "$log" >/dev/null
}

@test "--log FILE with the default text format" {
	log=$BATS_TEST_TMPDIR/log.txt
	run "$RUNTIME" --root "$STATE_ROOT" --log "$log" start nosuchcontainer
	[ "$status" -ne 0 ]
	[ -s "$log" ]
}

@test "--root: containers are listed only under their own root" {
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	mkdir "$BATS_TEST_TMPDIR/other-root"
	run "$RUNTIME" --root "$BATS_TEST_TMPDIR/other-root" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -d "$STATE_ROOT/$id" ]
}

@test "ps: lists the init pid" {
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	pid=$(ctr_pid "$id")
	run runtime ps --format json "$id"
	# ps reads the container's cgroup; on a hybrid host runc 1.1 may not find it
	if [ "$status" -ne 0 ]; then
		is_capsule && return 1
		skip "ps failed on this host: $output"
	fi
	jq -e --argjson p "$pid" 'index($p)' <<<"$output" >/dev/null
	run runtime ps "$id"
	[ "$status" -eq 0 ]
	# runc: "UID PID PPID ..." columns; crun 1.8: a bare "PID" column
	grep -Eqw "$pid" <<<"$output"
}

# The commands of `RUNTIME --help` (runc's layout: a COMMANDS: section).
help_commands() {
	"$RUNTIME" --help | awk '/^COMMANDS:/ { on = 1; next } on && NF == 0 { exit }
		on { sub(/,$/, "", $1); if ($1 != "help") print $1 }'
}

@test "help: --help, -h and no command print the program's help and exit 0" {
	local a
	for a in --help -h help; do
		run "$RUNTIME" $a
		[ "$status" -eq 0 ]
		assert_contains "$output" "USAGE:"
		assert_contains "$output" "COMMANDS:"
		assert_contains "$output" "GLOBAL OPTIONS:"
	done
	run "$RUNTIME"
	[ "$status" -eq 0 ]
	assert_contains "$output" "COMMANDS:"
}

@test "help: every command's --help and -h exit 0 with NAME, USAGE and its options" {
	local name cmd cmds
	name=$(runtime_name)
	cmds=$(help_commands)
	for cmd in create run start state kill delete exec list ps pause resume update events spec; do
		grep -qx "$cmd" <<<"$cmds" || { echo "--help does not list $cmd" >&2; return 1; }
	done
	for cmd in $cmds; do
		for h in --help -h; do
			run "$RUNTIME" "$cmd" $h
			[ "$status" -eq 0 ] || { echo "$cmd $h: status $status" >&2; return 1; }
			assert_contains "$output" "NAME:"
			assert_contains "$output" "USAGE:"
			assert_contains "$output" "$name $cmd"
		done
		run "$RUNTIME" help "$cmd"
		[ "$status" -eq 0 ]
		assert_contains "$output" "$name $cmd"
	done
	# help after flags (and their values) still counts; after the id it does not
	run "$RUNTIME" create --bundle /nonexistent --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "--bundle"
	run "$RUNTIME" exec -e A=1 -h
	[ "$status" -eq 0 ]
	assert_contains "$output" "--env"
	run "$RUNTIME" --root "$STATE_ROOT" exec nosuchcontainer ls -h
	[ "$status" -ne 0 ]
	[[ "$output" != *"USAGE:"* ]]
}

@test "help: an unknown command or help topic exits 3 with runc's message" {
	run "$RUNTIME" no-such-command
	[ "$status" -eq 3 ]
	assert_contains "$output" "No help topic for 'no-such-command'"
	run "$RUNTIME" no-such-command --help
	[ "$status" -eq 3 ]
	run "$RUNTIME" help no-such-command
	[ "$status" -eq 3 ]
	assert_contains "$output" "No help topic for 'no-such-command'"
}

@test "update: Intel RDT schemas are refused (runc: where resctrl lacks them)" {
	[ ! -d /sys/fs/resctrl/info ] || is_capsule || skip "this host has resctrl"
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime update --l3-cache-schema 'L3:0=f' "$id"
	[ "$status" -eq 1 ]
	assert_contains "$output" "Intel RDT"
	run runtime update --mem-bw-schema 'MB:0=20' "$id"
	[ "$status" -eq 1 ]
	assert_contains "$output" "Intel RDT"
}

@test "update on a hybrid cgroup host: a limit of a v1-owned controller fails naming it" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] && [ -d /sys/fs/cgroup/unified ] ||
		skip "needs a hybrid cgroup host"
	SKIP_REASON="runc and crun use the v1 controllers here" requires_runtime capsule
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	run runtime update --memory 64m "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" 'controller "memory"'
	assert_contains "$output" hybrid
	run runtime update --pids-limit 10 "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" 'controller "pids"'
	[ "$(ctr_status "$id")" = running ]
}
