#!/usr/bin/env bats
# runtime-spec 1.3 linux.netDevices: host interfaces moved into the container's
# network namespace (renamed, mtu/mac/global addresses kept, set up) and moved
# back, down, under their own names at delete and after a failed create.
#
# The "host" here is a network namespace of the test's own: the runtime runs in
# it through nsenter --net (only the network namespace: the bind mount capsule
# keeps in the state dir stays visible to later commands and to teardown's
# leak check).  Its veth pairs go with it in teardown.

load helpers

netdev_setup() {
	requires_runtime capsule
	NS=$(new_netns)
	N=${NS##*/}
	ip -n "$N" link add hd0 type veth peer name hd0p
	ip -n "$N" link add hd1 type veth peer name hd1p
	local wrapper=$BATS_TEST_TMPDIR/in-test-netns
	printf '#!/bin/sh\nexec nsenter --net=%s %s "$@"\n' "$NS" "$RUNTIME" >"$wrapper"
	chmod +x "$wrapper"
	RUNTIME=$wrapper
	set_args sleep 1000
}

test_teardown() { [ -z "${USERNS_TMP:-}" ] || rm -rf "$USERNS_TMP"; }

# in_ns ARGS...: `ip ARGS` in the test's host namespace
in_ns() { ip -n "$N" "$@"; }

# held: whether a netns bind mount of this test's state dir exists
held() { grep -q " $STATE_ROOT/[^ ]*/netns " /proc/self/mountinfo; }

@test "netDevices: moved in renamed with mtu, mac and global addresses, back at delete" {
	netdev_setup
	in_ns link set hd0 address 00:11:22:33:44:55 mtu 1789
	in_ns addr add 169.254.169.77/24 dev hd0
	in_ns addr add 2001:db8::5/64 dev hd0 nodad
	in_ns addr add 127.0.0.33/8 dev hd0 # host scope: not carried (runc neither)
	update_config '.linux.netDevices = {"hd0": {name: "ctr0"}, "hd1": {}}'
	id=$(ctr_id)
	create_ok "$id"
	# gone from the host...
	run ! in_ns link show hd0
	run ! in_ns link show hd1
	held
	# ... and in the container, up, with what it had
	run -0 runtime exec "$id" ip -o addr show dev ctr0
	assert_contains "$output" "inet 169.254.169.77/24 brd 169.254.169.255 scope global ctr0"
	assert_contains "$output" "inet6 2001:db8::5/64 scope global"
	[[ "$output" != *127.0.0.33* ]]
	run -0 runtime exec "$id" ip -o link show dev ctr0
	assert_contains "$output" "mtu 1789"
	assert_contains "$output" "link/ether 00:11:22:33:44:55"
	assert_contains "$output" ",UP"
	run -0 runtime exec "$id" ls /sys/class/net
	[ "$(echo $output)" = "ctr0 hd1 lo" ]

	runtime start "$id"
	runtime kill "$id" KILL
	wait_status "$id" stopped
	runtime delete "$id"
	run ! held
	# back under its own name, down, addresses and all
	run -0 in_ns -o link show dev hd0
	assert_contains "$output" "mtu 1789"
	assert_contains "$output" "00:11:22:33:44:55"
	[[ "$output" != *",UP"* ]]
	run -0 in_ns -o addr show dev hd0
	assert_contains "$output" "169.254.169.77/24"
	assert_contains "$output" "2001:db8::5/64"
	in_ns link show hd1 >/dev/null
	run ! in_ns link show ctr0
}

@test "netDevices: held while the container is stopped, returned by run and delete --force" {
	netdev_setup
	update_config '.linux.netDevices = {"hd0": {}}'
	set_args true
	id=$(ctr_id)
	create_ok "$id"
	runtime start "$id"
	wait_status "$id" stopped
	# its namespace lives on (a veth would die with it) until delete
	run ! in_ns link show hd0
	held
	runtime delete "$id"
	in_ns link show hd0 >/dev/null

	# foreground run: back when it returns
	set_cmd 'ip -o link show dev hd0 | grep -c UP'
	run -0 runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$output" = 1 ]
	in_ns link show hd0 >/dev/null
	run ! held

	# delete --force of a running one
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	run ! in_ns link show hd0
	runtime delete --force "$id"
	in_ns link show hd0 >/dev/null
	run ! held
}

@test "netDevices: a failed create moves the devices back; a missing one moves none" {
	netdev_setup
	in_ns addr add 169.254.169.78/32 dev hd0
	# both moved before the createRuntime hook runs (it sees them gone), then it fails
	update_config '.linux.netDevices = {"hd0": {name: "ctr0"}, "hd1": {}}
		| .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "ip link show hd0 && exit 0; exit 7"]}]'
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	assert_contains "$output" "createRuntime hook #0 (/bin/sh): exit status 7"
	run -0 in_ns -o addr show dev hd0
	assert_contains "$output" "169.254.169.78/32"
	in_ns link show hd1 >/dev/null
	[ -z "$(ls -A "$STATE_ROOT")" ]
	run ! held

	update_config 'del(.hooks) | .linux.netDevices = {"hd0": {}, "eth9": {}}'
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[ "$output" = 'capsule: linux.netDevices["eth9"]: no such host interface' ]
	in_ns link show hd0 >/dev/null
	[ -z "$(ls -A "$STATE_ROOT")" ]
}

@test "netDevices: bad names and a joined network namespace fail create naming the field" {
	netdev_setup
	bad() {
		update_config ".linux.netDevices = $1"
		run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
		[ "$status" -ne 0 ] || return 1
		assert_contains "$output" "$2"
		[ "${#lines[@]}" -eq 1 ] || { echo "not one line: $output" >&2; return 1; }
	}
	bad '{"hd0": {name: "a/b"}}' 'linux.netDevices["hd0"].name: name "a/b" is not a valid interface name'
	bad '{"hd0": {name: "0123456789abcdef"}}' 'linux.netDevices["hd0"].name: name "0123456789abcdef" is not a valid'
	bad '{"..": {}}' 'linux.netDevices[".."]: host interface ".." is not a valid'
	bad '{"hd0": {name: "x"}, "hd1": {name: "x"}}' 'linux.netDevices["hd1"]: renamed like another ("x" in the container)'
	bad '{"lo": {}}' 'linux.netDevices["lo"]: the loopback interface cannot leave its namespace'
	bad '{"hd0": {name: "lo"}}' "linux.netDevices[\"hd0\"].name: \"lo\" is the container's loopback interface"
	other=$(new_netns)
	update_config '(.linux.namespaces[] | select(.type == "network")) .path = "'"$other"'"'
	bad '{"hd0": {}}' "linux.netDevices: needs a new network namespace, but linux.namespaces joins \"$other\""
	update_config 'del(.linux.namespaces[] | select(.type == "network"))'
	bad '{"hd0": {}}' 'linux.netDevices: needs a new network namespace (a "network" entry without a path'
	# nothing moved, nothing left
	in_ns link show hd0 >/dev/null
	[ -z "$(ls -A "$STATE_ROOT")" ]
}

@test "netDevices: into a network namespace owned by a new user namespace" {
	netdev_setup
	in_ns addr add 10.9.9.9/24 dev hd0
	update_config '.linux.netDevices = {"hd0": {name: "c0"}}
		| .linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_cmd 'cat /proc/self/uid_map; ip -o addr show dev c0'
	# a bundle the mapped root can reach (the test's tmp dir is 0700)
	USERNS_TMP=$(mktemp -d /tmp/capsule-netdev.XXXXXX)
	chmod 755 "$USERNS_TMP"
	cp -a "$BUNDLE" "$USERNS_TMP/bundle"
	BUNDLE=$USERNS_TMP/bundle
	run -0 runtime run --bundle "$BUNDLE" "$(ctr_id)"
	assert_contains "$output" "0     100000      65536"
	assert_contains "$output" "inet 10.9.9.9/24 brd 10.9.9.255 scope global c0"
	run -0 in_ns -o addr show dev hd0
	assert_contains "$output" "10.9.9.9/24"
	run ! held
}

@test "netDevices: moved before the container's sysctls are applied (they may name a device)" {
	netdev_setup
	update_config '.linux.netDevices = {"hd0": {name: "c0"}}
		| .linux.sysctl = {"net.ipv4.conf.c0.forwarding": "1"}'
	set_cmd 'cat /proc/sys/net/ipv4/conf/c0/forwarding'
	run -0 runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$output" = 1 ]
	in_ns link show hd0 >/dev/null
}
