#!/usr/bin/env bats
# Rootless podman: an unprivileged user created here (subuid/subgid ranges added
# to /etc/subuid and /etc/subgid, removed again in teardown_file) runs podman
# with $RUNTIME as its runtime.  podman runs the runtime as uid 0 in its own user
# namespace with XDG_RUNTIME_DIR set; the runtime must keep its state there and
# cope with having no delegated cgroup (this hybrid host) or use what it has.
#
#   RUNTIME=/work/main/capsule bats tests/integration/clients-rootless.bats
#   RUNTIME=/usr/bin/runc bats tests/integration/clients-rootless.bats
#
# Checked to fail without what it checks: a capsule that ignores the user
# namespace fails every test with "mkdir /run/capsule: Permission denied".
# No `loginctl enable-linger` here: XDG_RUNTIME_DIR is a 0700 dir we create.
#
# On a pure cgroup v2 host where we run in the root cgroup (the v2 VM:
# ../shared/vmtest/vm-run -- RUNTIME=$PWD/capsule tests/integration/run
# clients-rootless.bats, the .ci/run suite clients-rootless-vm) setup_file also
# delegates a subtree to the user the way systemd's user@.service does:
# /capsule-rl-<pid> with cpu, memory and pids enabled, the dir, cgroup.procs,
# cgroup.subtree_control and cgroup.threads chowned to the user, and every podman
# call starts in its leaf "session".  Containers must then get their cgroups (and
# limits) below it.  Elsewhere those tests skip.

bats_require_minimum_version 1.5.0
load clients-helpers

setup_file() {
	[ "$(id -u)" = 0 ] || { echo "clients-rootless.bats needs root" >&2; return 1; }
	case "$RUNTIME" in /*) ;; *) echo "RUNTIME must be an absolute path: $RUNTIME" >&2; return 1 ;; esac
	CR_HAVE=0
	export CR_HAVE
	cl_have podman podman && cl_have newuidmap uidmap || return 0
	CR_USER=cappod$$
	CR_TMP=$(mktemp -d /tmp/capsule-rl-clients.XXXXXX)
	chmod 755 "$CR_TMP"
	CR_HOME=$CR_TMP/home
	useradd -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -M -d "$CR_HOME" -s /bin/sh "$CR_USER" || return 1
	mkdir -p "$CR_HOME/xdg" "$CR_HOME/vol"
	# A range above every range already listed, 65536 ids wide.
	local top
	top=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '$2+$3 > m { m = $2+$3 } END { print m+0 }')
	CR_SUBID=$(((top / 65536 + 2) * 65536))
	CR_LINE="$CR_USER:$CR_SUBID:65536"
	echo "$CR_LINE" >>/etc/subuid
	echo "$CR_LINE" >>/etc/subgid
	cp "$RUNTIME" "$CR_HOME/runtime"
	"$CL_FIXTURES/make-busybox-image" rootfs-tar "$CR_HOME/rootfs.tar"
	echo data >"$CR_HOME/vol/in"
	chown -R "$CR_USER:" "$CR_HOME"
	chmod 700 "$CR_HOME/xdg"
	chmod 755 "$CR_HOME/runtime"
	export CR_USER CR_TMP CR_HOME CR_LINE
	cr_delegate || return 1
	podr import "$CR_HOME/rootfs.tar" localhost/capsule-busybox >/dev/null || return 1
	CR_HAVE=1
}

teardown_file() {
	[ -n "${CR_TMP:-}" ] || return 0
	podr rm -f -a -t 0 >/dev/null 2>&1 || true
	# podman's storage holds files owned by the subordinate ids: remove as the user.
	podr system reset -f >/dev/null 2>&1 || true
	local f pids
	pids=$(pgrep -u "$CR_USER" || true)
	for f in $pids; do kill -KILL "$f" 2>/dev/null; done
	cl_umount_under "$CR_TMP"
	if [ -n "${CR_CG:-}" ] && [ -d "/sys/fs/cgroup$CR_CG" ]; then
		find "/sys/fs/cgroup$CR_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
	userdel "$CR_USER" 2>/dev/null || true
	for f in /etc/subuid /etc/subgid; do
		grep -vxF "$CR_LINE" "$f" >"$f.capsule-tmp" || true
		cat "$f.capsule-tmp" >"$f" && rm -f "$f.capsule-tmp"
	done
	rm -rf "$CR_TMP"
}

setup() {
	[ "$CR_HAVE" = 1 ] || skip "podman or newuidmap missing (apt-get install -y podman uidmap)"
}

# cr_delegate: on pure v2 in the root cgroup, CR_CG=/capsule-rl-<pid> delegated to
# the user (see the top of the file); else CR_CG empty.
cr_delegate() {
	CR_CG=
	export CR_CG
	[ -f /sys/fs/cgroup/cgroup.controllers ] && [ ! -d /sys/fs/cgroup/unified ] || return 0
	[ "$(own_cgroup_base)" = "" ] || return 0
	local d=/sys/fs/cgroup/capsule-rl-$$ c f
	mkdir "$d" "$d/session" || return 1
	CR_CG=${d#/sys/fs/cgroup}
	for c in cpu memory pids; do echo "+$c" >"$d/cgroup.subtree_control" || return 1; done
	for f in "$d" "$d/session"; do
		chown "$CR_USER:" "$f" "$f/cgroup.procs" "$f/cgroup.subtree_control" "$f/cgroup.threads" || return 1
	done
}

cr_need_delegation() {
	[ "$CR_HAVE" = 1 ] && [ -n "$CR_CG" ] ||
		skip "needs pure cgroup v2 and the root cgroup to delegate a subtree (the v2 VM)"
}

# podr ARGS: podman as the test user, storage in its home, $RUNTIME as runtime;
# in the delegated cgroup's leaf when there is one.
podr() {
	(if [ -n "$CR_CG" ]; then echo "$BASHPID" >"/sys/fs/cgroup$CR_CG/session/cgroup.procs" || exit 1; fi
	cd "$CR_HOME" && exec runuser -u "$CR_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$CR_HOME" USER="$CR_USER" XDG_RUNTIME_DIR="$CR_HOME/xdg" \
		podman --root "$CR_HOME/storage" --runroot "$CR_HOME/xdg/containers" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--runtime "$CR_HOME/runtime" "$@")
}

RUN_OPTS="--network none"
IMG=localhost/capsule-busybox

@test "rootless podman run --rm: output, exit status, root in the container is the user" {
	run -0 podr run --rm $RUN_OPTS "$IMG" sh -c 'echo hi; id -u; cat /proc/self/uid_map'
	[ "${lines[0]}" = hi ]
	[ "${lines[1]}" = 0 ]
	# uid 0 inside is the user on the host (podman's namespace maps it so).
	read -r inside outside _ <<<"${lines[2]}"
	[ "$inside" = 0 ]
	[ "$outside" = "$(id -u "$CR_USER")" ]
	run -7 podr run --rm $RUN_OPTS "$IMG" sh -c 'exit 7'
}

@test "rootless podman run --userns=keep-id: the user's uid and gid inside" {
	local uid gid
	uid=$(id -u "$CR_USER")
	gid=$(id -g "$CR_USER")
	run -0 podr run --rm $RUN_OPTS --userns=keep-id "$IMG" sh -c 'id -u; id -g'
	[ "${lines[0]}" = "$uid" ]
	[ "${lines[1]}" = "$gid" ]
}

@test "rootless podman run -v: a bind mount read and written, owned by the user on the host" {
	run -0 podr run --rm $RUN_OPTS -v "$CR_HOME/vol:/vol" "$IMG" sh -c 'cat /vol/in; echo out >/vol/out'
	[ "$output" = data ]
	[ "$(cat "$CR_HOME/vol/out")" = out ]
	[ "$(stat -c %U "$CR_HOME/vol/out")" = "$CR_USER" ]
}

@test "rootless podman run --read-only" {
	run -0 podr run --rm $RUN_OPTS --read-only "$IMG" sh -c 'touch /x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-ok'
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *tmp-ok* ]]
}

@test "rootless podman run -d, exec, stop, rm; state under XDG_RUNTIME_DIR" {
	local name=rl-$RANDOM
	run -0 podr run -d --name "$name" $RUN_OPTS "$IMG" sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
	local cid=$output
	run -0 podr exec "$name" sh -c 'echo in-exec; id -u'
	[ "${lines[0]}" = in-exec ]
	[ "${lines[1]}" = 0 ]
	run -5 podr exec "$name" sh -c 'exit 5'
	# The runtime's state dir is under the user's XDG_RUNTIME_DIR, not /run.
	if [ "$(basename "$RUNTIME")" = capsule ]; then
		[ -d "$CR_HOME/xdg/capsule/$cid" ]
		[ ! -e "/run/capsule/$cid" ]
	fi
	run -0 podr stop -t 10 "$name"
	run -0 podr inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name"
	[ "$output" = "exited 3" ]
	run -0 podr rm "$name"
	[ ! -e "$CR_HOME/xdg/capsule/$cid" ]
	run -0 podr ps -a -q --filter "name=$name"
	[ -z "$output" ]
}

@test "rootless podman, delegated v2 cgroup: --cgroup-parent, limits applied and owned by the user, removed at rm" {
	cr_need_delegation
	local name=rlcg-$RANDOM
	run -0 podr run -d --name "$name" $RUN_OPTS --cgroup-parent "$CR_CG" --memory 64m --pids-limit 50 \
		"$IMG" sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; while :; do sleep 0.1; done'
	local cid=$output
	local cg=/sys/fs/cgroup$CR_CG/libpod-$cid
	[ -d "$cg" ]
	[ "$(stat -c %U "$cg")" = "$CR_USER" ]
	[ "$(cat "$cg/memory.max")" = 67108864 ]
	[ "$(cat "$cg/pids.max")" = 50 ]
	local pid
	pid=$(podr inspect -f '{{.State.Pid}}' "$name")
	grep -qx "0::${CR_CG}/libpod-$cid" "/proc/$pid/cgroup"
	# the container sees its own cgroup (namespace) with the limits
	run -0 podr logs "$name"
	[ "${lines[0]}" = 67108864 ]
	[ "${lines[1]}" = 50 ]
	# exec joins the container's cgroup
	run -0 podr exec "$name" cat /proc/self/cgroup
	[ "$output" = "0::/" ]
	run -0 podr rm -f -t 0 "$name"
	[ ! -e "$cg" ]
}

@test "rootless podman, delegated v2 cgroup: no --cgroup-parent puts the container below the user's cgroup" {
	cr_need_delegation
	local name=rlcg-$RANDOM
	run -0 podr run -d --name "$name" $RUN_OPTS "$IMG" sh -c 'while :; do sleep 0.1; done'
	local pid
	pid=$(podr inspect -f '{{.State.Pid}}' "$name")
	run -0 cat "/proc/$pid/cgroup"
	[[ "$output" == "0::$CR_CG/"* ]]
	run -0 podr rm -f -t 0 "$name"
}

@test "rootless podman, delegated v2 cgroup: a memory limit is enforced (OOM kill)" {
	cr_need_delegation
	run -0 podr run --rm $RUN_OPTS --cgroup-parent "$CR_CG" --memory 32m --memory-swap 32m "$IMG" \
		sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo rc=$?; grep oom_kill /sys/fs/cgroup/memory.events'
	[ "${lines[0]}" = rc=137 ]
	[[ "${lines[1]}" == "oom_kill "[1-9]* ]]
}

@test "rootless podman, delegated v2 cgroup: pause, unpause, update, stats" {
	cr_need_delegation
	local name=rlcg-$RANDOM
	run -0 podr run -d --name "$name" $RUN_OPTS --cgroup-parent "$CR_CG" --memory 64m "$IMG" sh -c 'while :; do sleep 0.1; done'
	local cid=$output
	local cg=/sys/fs/cgroup$CR_CG/libpod-$cid
	run -0 podr pause "$name"
	[ "$(cat "$cg/cgroup.freeze")" = 1 ]
	run -0 podr inspect -f '{{.State.Status}}' "$name"
	[ "$output" = paused ]
	run -0 podr unpause "$name"
	[ "$(cat "$cg/cgroup.freeze")" = 0 ]
	run -0 podr update --memory 96m --cpus 0.5 "$name"
	[ "$(cat "$cg/memory.max")" = 100663296 ]
	[ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	run -0 podr stats --no-stream --format '{{.PIDs}}' "$name"
	[ "$output" -ge 1 ]
	run -0 podr rm -f -t 0 "$name"
}
