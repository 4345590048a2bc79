#!/usr/bin/env bats
# runtime-spec 1.3.0: linux.memoryPolicy, linux.intelRdt (needs resctrl, which
# this host and the VM lack: the error is tested here, the group logic in
# tests/unit/test_resctrl.c), and the features document (linux.netDevices: netdev.bats).  runc 1.1 knows none of it
# (features tests skip for runtimes other than capsule).

load helpers

# create_fails_with TEXT: create from $BUNDLE fails, one line naming TEXT, nothing left.
create_fails_with() {
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ] || { echo "create succeeded" >&2; return 1; }
	assert_contains "$output" "$1"
	[ -z "$(ls -A "$STATE_ROOT")" ] || { echo "state left: $(ls -A "$STATE_ROOT")" >&2; return 1; }
}

@test "memoryPolicy: MPOL_BIND and MPOL_INTERLEAVE reach the container's process" {
	requires_runtime capsule
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
	set_cmd 'grep -c " bind:0 " /proc/self/numa_maps'
	run -0 runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$output" -gt 0 ]
	update_config '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_STATIC_NODES"]}'
	set_cmd 'grep -c " interleave=static:0 " /proc/self/numa_maps'
	run -0 runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$output" -gt 0 ]
	# without a policy: the default
	update_config 'del(.linux.memoryPolicy)'
	set_cmd 'grep -c " bind:\| interleave" /proc/self/numa_maps'
	run runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$output" = 0 ]
}

@test "memoryPolicy: bad modes, nodes and flags fail create naming the field" {
	requires_runtime capsule
	update_config '.linux.memoryPolicy = {mode: "MPOL_FOO"}'
	create_fails_with 'linux.memoryPolicy.mode: unknown mode "MPOL_FOO"'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND"}'
	create_fails_with 'linux.memoryPolicy.nodes: mode MPOL_BIND needs at least one node'
	update_config '.linux.memoryPolicy = {mode: "MPOL_DEFAULT", nodes: "0"}'
	create_fails_with 'linux.memoryPolicy.nodes: mode MPOL_DEFAULT takes no nodes'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0-x"}'
	create_fails_with 'linux.memoryPolicy.nodes: "0-x"'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "3-1"}'
	create_fails_with 'linux.memoryPolicy.nodes'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}'
	create_fails_with 'exclude each other'
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_NOPE"]}'
	create_fails_with 'linux.memoryPolicy.flags: unknown flag "MPOL_F_NOPE"'
	update_config '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_NUMA_BALANCING"]}'
	create_fails_with 'MPOL_F_NUMA_BALANCING needs mode MPOL_BIND'
}

@test "memoryPolicy: a node the host lacks fails create with set_mempolicy named" {
	requires_runtime capsule
	[ ! -d /sys/devices/system/node/node1000 ] || skip "node 1000 exists"
	update_config '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "1000"}'
	create_fails_with 'linux.memoryPolicy: set_mempolicy'
}

@test "intelRdt: without resctrl mounted, create fails with one clear line; bad input names the field" {
	requires_runtime capsule
	! grep -q " - resctrl " /proc/self/mountinfo || skip "resctrl is mounted here"
	update_config '.linux.intelRdt = {closID: "x", l3CacheSchema: "L3:0=7f0", enableMonitoring: true}'
	create_fails_with 'linux.intelRdt: resctrl is not mounted (no resctrl filesystem in /proc/self/mountinfo'
	[ "${#lines[@]}" -eq 1 ]
	update_config '.linux.intelRdt = {closID: "../x"}'
	create_fails_with 'linux.intelRdt.closID: "../x" is not a valid group name (one path component)'
	update_config '.linux.intelRdt = {schemata: ["L3:0=f\nMB:0=1"]}'
	create_fails_with 'linux.intelRdt.schemata[0]: one line per entry (no newline)'
}

@test "features: runtime-spec 1.3 document pinned" {
	requires_runtime capsule
	run -0 "$RUNTIME" features
	f=$output
	[ "$(jq -r .ociVersionMax <<<"$f")" = 1.3.0 ]
	[ "$(jq -c .linux.memoryPolicy <<<"$f")" = '{"modes":["MPOL_DEFAULT","MPOL_PREFERRED","MPOL_BIND","MPOL_INTERLEAVE","MPOL_LOCAL","MPOL_PREFERRED_MANY","MPOL_WEIGHTED_INTERLEAVE"],"flags":["MPOL_F_NUMA_BALANCING","MPOL_F_RELATIVE_NODES","MPOL_F_STATIC_NODES"]}' ]
	[ "$(jq -c .linux.netDevices <<<"$f")" = '{"enabled":true}' ]
	[ "$(jq -c .linux.intelRdt <<<"$f")" = '{"enabled":true,"schemata":true,"monitoring":true}' ]
	# rro and idmap: advertised as this kernel (>= 5.12 here) can do them
	jq -e '.mountOptions | index("rro")' <<<"$f" >/dev/null
	[ "$(jq -c .linux.mountExtensions.idmap <<<"$f")" = '{"enabled":true}' ]
	run -0 "$RUNTIME" --version
	[ "${lines[2]}" = "spec: 1.3.0" ]
}

@test "unified memory.oom.group (the kubelet's) on a hybrid host: a clear error" {
	requires_runtime capsule
	[ -d /sys/fs/cgroup/unified ] || skip "pure cgroup v2 host: applied (cgroups.bats)"
	update_config '.linux.resources.unified = {"memory.oom.group": "1"}'
	create_fails_with 'controller "memory" is not available'
}

@test "restore refuses linux.netDevices and linux.intelRdt (create's work, which CRIU does not do)" {
	requires_runtime capsule
	mkdir "$BATS_TEST_TMPDIR/img"
	update_config '.linux.netDevices = {"eth9": {}}'
	run_bg runtime restore --image-path "$BATS_TEST_TMPDIR/img" --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	assert_contains "$output" "restore: linux.netDevices is not supported yet"
	update_config 'del(.linux.netDevices) | .linux.intelRdt = {closID: "x"}'
	run_bg runtime restore --image-path "$BATS_TEST_TMPDIR/img" --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	assert_contains "$output" "restore: linux.intelRdt is not supported yet"
	[ -z "$(ls -A "$STATE_ROOT")" ]
}
