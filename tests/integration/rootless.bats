#!/usr/bin/env bats
# Rootless: an unprivileged user (capsuletest, created here with /etc/subuid
# and /etc/subgid ranges if missing) runs a busybox container.
#
# Checked to fail without what it checks: run as root instead of the user,
# the state-dir test fails (state goes to /run/...); with the device binds
# replaced by mknod (in_userns forced false) the run fails with EPERM; the
# multi-range test fails without newuidmap (uidmap package removed from
# PATH: "newuidmap ... failed").

load sec-helpers

RL_USER=capsuletest

# The test user and its subuid/subgid lines exist only for this file: what
# setup_file adds (and only that) teardown_file removes.
setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	if ! id "$RL_USER" >/dev/null 2>&1; then
		useradd -m "$RL_USER" && touch "$BATS_FILE_TMPDIR/made-user"
	fi
	local f
	for f in subuid subgid; do
		grep -q "^$RL_USER:" /etc/$f && continue
		echo "$RL_USER:100000:65536" >>/etc/$f && touch "$BATS_FILE_TMPDIR/made-$f"
	done
	command -v newuidmap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y uidmap >/dev/null 2>&1 || true
}

teardown_file() {
	local f
	for f in subuid subgid; do
		[ -e "$BATS_FILE_TMPDIR/made-$f" ] && sed -i "/^$RL_USER:100000:65536\$/d" /etc/$f
	done
	[ -e "$BATS_FILE_TMPDIR/made-user" ] && userdel -r "$RL_USER" >/dev/null 2>&1
	return 0
}

setup() {
	requires_root
	sec_setup
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_XDG=/tmp/xdg-$RL_UID-$$
	mkdir -p "$RL_XDG"
	chown "$RL_UID:$RL_GID" "$RL_XDG"
	chmod 0700 "$RL_XDG"
	# The user's own copy of the bundle (owned by it, as after an unpack).
	chown -R "$RL_UID:$RL_GID" "$BUNDLE"
	RL_BIN=$SEC_TMP/bin/$(basename "$RUNTIME")
	cp "$(command -v "$RUNTIME")" "$RL_BIN"
	chmod 755 "$RL_BIN" "$SEC_TMP/bin"
	rootless_config
}

teardown() {
	rl rm_all >/dev/null 2>&1 || true
	rm -rf "$RL_XDG"
	sec_teardown
}

# rl ARGS...: the runtime as the user, default --root (so under $XDG_RUNTIME_DIR).
rl() {
	if [ "$1" = rm_all ]; then
		local c
		for c in $(rl list -q); do rl delete -f "$c"; done
		return 0
	fi
	local pre=()
	[ "$(runtime_kind)" = crun ] && pre=(/work/shared/hybrid-ns)
	# hybrid-ns needs root: it wraps runuser.
	(cd "$BUNDLE" && "${pre[@]}" runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="/home/$RL_USER" XDG_RUNTIME_DIR="$RL_XDG" "$RL_BIN" "$@")
}

# `spec --rootless` as the user when the runtime has it, else the same by jq.
rootless_config() {
	local cmd=$BUNDLE/config.json
	mv "$cmd" "$SEC_TMP/config.base"
	if is_capsule && rl spec --rootless >/dev/null 2>&1 && [ -s "$cmd" ]; then
		jq '.process.terminal = false | .root.readonly = false' "$cmd" >"$cmd.new"
	else
		jq --argjson u "$RL_UID" --argjson g "$RL_GID" '
			.linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "user"}] |
			.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}] |
			.linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}] |
			del(.linux.cgroupsPath) | del(.linux.resources) |
			.mounts |= map(if .destination == "/sys" then
				{destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]}
				else . end)' "$SEC_TMP/config.base" >"$cmd.new"
	fi
	mv "$cmd.new" "$cmd"
	chown "$RL_UID:$RL_GID" "$cmd"
}

rl_run_sh() {
	set_args sh -c "$1"
	chown "$RL_UID:$RL_GID" "$BUNDLE/config.json"
	run rl run "$CID"
}

@test "rootless: run works as an unprivileged user, root inside mapped to it" {
	rl_run_sh 'id -u; cat /proc/self/uid_map; echo hi >/tmp/f'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | xargs)" = "0 $RL_UID 1" ]
	[ "$(stat -c %u "$BUNDLE/rootfs/tmp/f")" = "$RL_UID" ]
}

@test "rootless: state lives under \$XDG_RUNTIME_DIR" {
	set_args sleep 100
	chown "$RL_UID:$RL_GID" "$BUNDLE/config.json"
	rl run -d "$CID" </dev/null >/dev/null 2>&1
	run rl list -q
	[[ "$output" == *"$CID"* ]]
	find "$RL_XDG" -maxdepth 3 | grep -q "/$CID"
	run rl state "$CID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.status == "running"'
	rl delete -f "$CID"
	! find "$RL_XDG" -maxdepth 3 | grep -q "/$CID"
}

@test "rootless: devices are bind mounts of the host's, not mknod" {
	rl_run_sh 'for d in null zero full random urandom tty; do grep -c " /dev/$d " /proc/self/mountinfo; done; echo x >/dev/null && echo null-ok'
	echo "$output"
	[ "$status" -eq 0 ]
	local i
	for i in 0 1 2 3 4 5; do [ "${lines[$i]}" = 1 ]; done
	[ "${lines[6]}" = null-ok ]
}

@test "rootless: no cgroup is created when none is delegated" {
	set_args sleep 100
	chown "$RL_UID:$RL_GID" "$BUNDLE/config.json"
	rl run -d "$CID" </dev/null >/dev/null 2>&1
	local pid
	pid=$(rl state "$CID" | jq .pid)
	# The container stays in the cgroups of the user's shell (ours).
	diff <(cat /proc/self/cgroup) "/proc/$pid/cgroup"
}

@test "rootless: multi-range mapping through newuidmap/newgidmap" {
	command -v newuidmap >/dev/null || skip "no newuidmap (uidmap package)"
	local sub
	sub=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	cfg '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $s, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $s, size: 65536}] |
		.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$sub"
	rl_run_sh 'cat /proc/self/uid_map | wc -l; touch /tmp/f && chown 1000:1000 /tmp/f && echo chown-ok'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 2 ]
	[ "${lines[1]}" = chown-ok ]
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")" = "$((sub + 999)):$((sub + 999))" ]
}
