#!/usr/bin/env bats
# Namespaces: new ones, joining one by path, user namespace mappings, time namespace.

load helpers

# A running container ($ID, init $PID) whose init sleeps.
start_sleeper() {
	set_args sleep 1000
	ID=$(ctr_id)
	run_detached_ok "$ID"
	PID=$(ctr_pid "$ID")
}

@test "namespaces: each configured namespace is new" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	start_sleeper
	for ns in pid net ipc uts mnt cgroup; do
		[ "$(ns_inode "$PID" "$ns")" != "$(ns_inode $$ "$ns")" ] ||
			{ echo "$ns namespace is the host's" >&2; return 1; }
	done
}

@test "namespaces: one left out is the caller's" {
	update_config '.linux.namespaces -= [{"type": "network"}, {"type": "ipc"}]'
	start_sleeper
	[ "$(ns_inode "$PID" net)" = "$(ns_inode $$ net)" ]
	[ "$(ns_inode "$PID" ipc)" = "$(ns_inode $$ ipc)" ]
	[ "$(ns_inode "$PID" uts)" != "$(ns_inode $$ uts)" ]
}

@test "namespaces: a new network namespace has only lo, down" {
	set_cmd 'ls /sys/class/net; cat /sys/class/net/lo/operstate'
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "namespaces: joining an existing network namespace by path" {
	command -v ip >/dev/null || skip "no ip(8) on this host"
	path=$(new_netns)
	ip netns exec "$(basename "$path")" ip link set lo up
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"$path\" else . end)"
	start_sleeper
	[ "$(ns_inode "$PID" net)" = "$(stat -Lc %i "$path")" ]
	run runtime exec "$ID" cat /sys/class/net/lo/operstate
	[ "$output" != down ]
}

@test "namespaces: two containers share a network namespace through /proc/PID/ns/net" {
	start_sleeper
	first=$PID
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$first/ns/net\" else . end)"
	start_sleeper
	[ "$(ns_inode "$PID" net)" = "$(ns_inode "$first" net)" ]
	[ "$(ns_inode "$PID" uts)" != "$(ns_inode "$first" uts)" ]
}

@test "namespaces: a path that is not a namespace fails" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/etc/passwd" else . end)'
	set_args true
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$STATE_ROOT")" ]
}

@test "namespaces: a path to the wrong kind of namespace fails" {
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$$/ns/uts\" else . end)"
	set_args true
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
}

@test "namespaces: uts hostname is private" {
	update_config '.hostname = "inside-uts"'
	start_sleeper
	run runtime exec "$ID" hostname
	[ "$output" = inside-uts ]
	[ "$(hostname)" != inside-uts ]
}

# The rootfs must be reachable by the mapped root (host uid 100000).
make_bundle_traversable() {
	local d=$BUNDLE
	while [ "$d" != / ]; do
		chmod a+x "$d"
		d=$(dirname "$d")
	done
}

@test "user namespace: uidMappings and gidMappings" {
	make_bundle_traversable
	update_config '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
		.mounts -= [.mounts[] | select(.destination == "/sys/fs/cgroup")]'
	set_cmd 'cat /proc/self/uid_map /proc/self/gid_map; id -u; sleep 1000'
	ID=$(ctr_id)
	run_detached_ok "$ID"
	PID=$(ctr_pid "$ID")
	[ "$(ns_inode "$PID" user)" != "$(ns_inode $$ user)" ]
	# Seen from the host, the container's root is uid 100000.
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$PID/status")" = 100000 ]
	[ "$(awk '/^Gid:/ { print $2 }' "/proc/$PID/status")" = 200000 ]
	run runtime exec "$ID" cat /proc/self/uid_map
	read -ra m <<<"${lines[0]}"
	[ "${m[*]}" = "0 100000 65536" ]
	run runtime exec "$ID" cat /proc/self/gid_map
	read -ra m <<<"${lines[0]}"
	[ "${m[*]}" = "0 200000 65536" ]
	run runtime exec "$ID" id -u
	[ "$output" = 0 ]
}

@test "time namespace: boottime and monotonic offsets" {
	SKIP_REASON="runc 1.1 has no time namespace (added in 1.2)" requires_runtime capsule crun
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}] |
		.linux.timeOffsets = {"boottime": {"secs": 86400, "nanosecs": 0},
		                      "monotonic": {"secs": 3600, "nanosecs": 7}}'
	set_cmd 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -eq 0 ]
	grep -Eq '^monotonic +3600 +7$' <<<"$output"
	grep -Eq '^boottime +86400 +0$' <<<"$output"
	host_up=$(cut -d. -f1 /proc/uptime)
	up=${lines[2]}
	[ "$up" -ge $((host_up + 86400 - 5)) ]
	[ "$up" -le $((host_up + 86400 + 5)) ]
}

@test "a config without a mount namespace is refused, nothing mounted on the host" {
	# Before: created, the rootfs bind mount stayed in the host's namespace
	# after delete and `exec ... ls /` listed the host's root.
	update_config '.linux.namespaces -= [{"type": "mount"}]'
	set_args sleep 100
	id=$(ctr_id)
	run_bg runtime run -d --bundle "$BUNDLE" "$id"
	echo "$output"
	[ "$status" -ne 0 ]
	if is_capsule; then
		assert_contains "$output" "linux.namespaces: a mount namespace is required"
	fi
	run runtime state "$id"
	[ "$status" -ne 0 ]
	! grep -F " $ROOTFS" /proc/self/mountinfo
}
