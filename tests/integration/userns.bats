#!/usr/bin/env bats
# User namespaces run by root: id maps, file ownership on the host,
# setgroups/additionalGids, idmapped bind mounts, and `features` about idmap.
#
# Checked to fail without the protection: with the user namespace entry
# removed from the config (maps not applied) the uid_map and ownership tests
# fail (uid_map reads "0 0 4294967295", files are owned by host root); with
# the mount's "idmap"/uidMappings removed the idmapped-mount test fails (the
# host-root file shows as 65534 inside).

load sec-helpers

HOST_BASE=100000

setup() {
	sec_setup
	requires_root
	cfg '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

teardown() { sec_teardown; }

@test "userns: uidMappings/gidMappings are the process's maps" {
	run_sh 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(echo "${lines[0]}" | xargs)" = "0 100000 65536" ]]
	[[ "$(echo "${lines[1]}" | xargs)" = "0 100000 65536" ]]
	[ "${lines[2]}" = 0 ]
}

@test "userns: files created in the container belong to the mapped host ids" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
	run_sh 'touch /tmp/by-root; touch /tmp/by-1000 && chown 1000:1001 /tmp/by-1000'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/by-root")" = "100000:100000" ]
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/by-1000")" = "101000:101001" ]
}

@test "userns: a host-root file is not the container root's (overflow id)" {
	run_sh 'stat -c %u /bin/busybox; echo x >>/bin/busybox && echo WROTE'
	echo "$output"
	[ "${lines[0]}" = 65534 ]
	[[ "$output" != *WROTE* ]]
}

@test "userns: setgroups allowed when the runtime is root; additionalGids applied" {
	cfg '.process.user = {uid: 1000, gid: 1000, additionalGids: [5, 7]}'
	run_sh 'cat /proc/self/setgroups; id -G'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = allow ]
	[ "${lines[1]}" = "1000 5 7" ]
}

@test "userns: idmapped bind mount (per-mount uidMappings + idmap)" {
	[ "$(runtime_kind)" = runc ] && skip "runc 1.1 has no idmapped mounts"
	mkdir -p "$SEC_TMP/vol" "$BUNDLE/rootfs/vol"
	touch "$SEC_TMP/vol/host-root-file"
	chown 0:0 "$SEC_TMP/vol/host-root-file"
	cfg '.mounts += [{destination: "/vol", type: "bind", source: $s, options: ["bind", "idmap"],
		uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
		gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}]' --arg s "$SEC_TMP/vol"
	run_sh 'stat -c %u:%g /vol/host-root-file; touch /vol/new-file'
	echo "$output"
	[ "$status" -eq 0 ]
	# Host uid 0 on disk shows as the container's root through the mount...
	[ "${lines[0]}" = "0:0" ]
	# ...and what the container's root writes lands on disk as host root.
	[ "$(stat -c %u:%g "$SEC_TMP/vol/new-file")" = "0:0" ]
}

@test "userns: \"idmap\" alone uses the container's mappings" {
	[ "$(runtime_kind)" = runc ] && skip "runc 1.1 has no idmapped mounts"
	requires_capsule "idmap without per-mount mappings"
	mkdir -p "$SEC_TMP/vol" "$BUNDLE/rootfs/vol"
	touch "$SEC_TMP/vol/host-root-file"
	cfg '.mounts += [{destination: "/vol", type: "bind", source: $s, options: ["bind", "idmap"]}]' --arg s "$SEC_TMP/vol"
	run_sh 'stat -c %u:%g /vol/host-root-file'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0:0" ]
}

@test "features: idmap reported as the kernel supports it" {
	run rt features
	[ "$status" -eq 0 ] || [ "$(runtime_kind)" = capsule ] || skip "no features command"
	local enabled
	enabled=$(echo "$output" | jq -r '.linux.mountExtensions.idmap.enabled // false')
	if [ "$enabled" = true ]; then
		# Honest only if an idmapped mount really works here.
		mkdir -p "$SEC_TMP/vol" "$BUNDLE/rootfs/vol"
		cfg '.mounts += [{destination: "/vol", type: "bind", source: $s, options: ["bind", "idmap"],
			uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
			gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}]' --arg s "$SEC_TMP/vol"
		run_sh 'true'
		echo "$output"
		[ "$status" -eq 0 ]
	elif is_capsule; then
		# Then an idmap mount must be refused loudly, not ignored.
		cfg '.mounts += [{destination: "/vol", type: "bind", source: "/tmp", options: ["bind", "idmap"]}]'
		run_sh 'true'
		[ "$status" -ne 0 ]
	fi
}

@test "idmapped bind mount in a container without a user namespace" {
	[ "$(runtime_kind)" = runc ] && skip "runc 1.1 has no idmapped mounts"
	cfg 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
	mkdir -p "$SEC_TMP/vol" "$BUNDLE/rootfs/vol"
	touch "$SEC_TMP/vol/host-root-file"
	cfg '.mounts += [{destination: "/vol", type: "bind", source: $s, options: ["bind", "idmap"],
		uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
		gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}]' --arg s "$SEC_TMP/vol"
	run_sh 'stat -c %u:%g /vol/host-root-file'
	echo "$output"
	[ "$status" -eq 0 ]
	# On-disk 0 is containerID 0, seen through the mount as hostID 100000.
	[ "${lines[0]}" = "100000:100000" ]
}

@test "userns: host bind mounts the container's ids cannot reach or read (as runc)" {
	# src lies below a 0700 host-root dir: the container's root (host 100000)
	# cannot look the path up, but runc opens bind sources with the runtime's
	# ids, and so does capsule.  closed is itself 0700 host root: it mounts,
	# and the container (nobody's dir to it) cannot read it.
	mkdir -p "$SEC_TMP/priv/src" "$SEC_TMP/closed" "$BUNDLE/rootfs/src" "$BUNDLE/rootfs/closed"
	echo readable >"$SEC_TMP/priv/src/f"
	echo secret >"$SEC_TMP/closed/f"
	chmod 700 "$SEC_TMP/priv" "$SEC_TMP/closed"
	cfg '.mounts += [{destination: "/src", type: "bind", source: $s, options: ["rbind", "ro"]},
		{destination: "/closed", type: "bind", source: $c, options: ["rbind"]}]' \
		--arg s "$SEC_TMP/priv/src" --arg c "$SEC_TMP/closed"
	run_sh 'cat /src/f; touch /src/x 2>/dev/null || echo ro; stat -c "%u %a" /closed
		cat /closed/f 2>&1; ls /closed 2>&1; true'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = readable ]
	[ "${lines[1]}" = ro ]
	[ "${lines[2]}" = "65534 700" ]
	[[ "${lines[3]}" == *"Permission denied"* ]]
	[[ "${lines[4]}" == *"Permission denied"* ]]
	[ ! -e "$SEC_TMP/priv/src/x" ]
}
