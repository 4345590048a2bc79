#!/usr/bin/env bats
# exec: a new process in a running container.

load helpers

# A running container ($ID) whose init sleeps.
start_sleeper() {
	set_args sleep 1000
	ID=$(ctr_id)
	run_detached_ok "$ID"
}

@test "exec: args and exit code 0" {
	start_sleeper
	run runtime exec "$ID" echo hello "a  b"
	[ "$status" -eq 0 ]
	[ "$output" = "hello a  b" ]
}

@test "exec: exit code propagation" {
	start_sleeper
	run runtime exec "$ID" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run runtime exec "$ID" false
	[ "$status" -eq 1 ]
}

@test "exec: a process killed by a signal gives 128+N" {
	start_sleeper
	run runtime exec "$ID" sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
}

@test "exec: a missing program fails" {
	start_sleeper
	run runtime exec "$ID" /nonexistent
	[ "$status" -ne 0 ]
	[ "$(ctr_status "$ID")" = running ]
}

@test "exec --process FILE" {
	start_sleeper
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'EOF'
		{
		  "terminal": false,
		  "user": { "uid": 1000, "gid": 1000, "additionalGids": [20] },
		  "args": [ "sh", "-c", "echo $FOO; pwd; id -u; id -G" ],
		  "env": [ "PATH=/bin", "FOO=from-process-json" ],
		  "cwd": "/tmp"
		}
	EOF
	run runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-process-json ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 1000 ]
	[ "$(tr ' ' '\n' <<<"${lines[3]}" | sort -n | tr '\n' ' ')" = "20 1000 " ]
}

@test "exec --env adds to the container's environment" {
	start_sleeper
	run runtime exec --env FOO=bar --env "BAZ=x y" "$ID" env
	[ "$status" -eq 0 ]
	grep -qx 'FOO=bar' <<<"$output"
	grep -qx 'BAZ=x y' <<<"$output"
	grep -q '^PATH=' <<<"$output"
}

@test "exec --cwd" {
	start_sleeper
	run runtime exec --cwd /etc "$ID" pwd
	[ "$status" -eq 0 ]
	[ "$output" = /etc ]
}

@test "exec --user uid:gid" {
	start_sleeper
	run runtime exec --user 1000:1000 "$ID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	run runtime exec --user 65534 "$ID" id -u
	[ "$status" -eq 0 ]
	[ "$output" = 65534 ]
}

@test "exec --cap adds a capability" {
	start_sleeper
	run runtime exec "$ID" grep ^CapEff /proc/self/status
	[ "$status" -eq 0 ]
	before=$((16#${output##*:	}))
	[ $((before & (1 << 21))) -eq 0 ] # no CAP_SYS_ADMIN by default
	run runtime exec --cap CAP_SYS_ADMIN "$ID" grep ^CapEff /proc/self/status
	[ "$status" -eq 0 ]
	after=$((16#${output##*:	}))
	[ $((after & (1 << 21))) -ne 0 ]
}

@test "exec --no-new-privs and the config's noNewPrivileges" {
	update_config '.process.noNewPrivileges = false'
	start_sleeper
	run runtime exec "$ID" grep NoNewPrivs /proc/self/status
	[[ "$output" =~ NoNewPrivs:[[:space:]]+0 ]]
	run runtime exec --no-new-privs "$ID" grep NoNewPrivs /proc/self/status
	[[ "$output" =~ NoNewPrivs:[[:space:]]+1 ]]
}

@test "exec --tty with --console-socket" {
	start_sleeper
	sock=$BATS_TEST_TMPDIR/console.sock
	start_recvtty "$sock" "$BATS_TEST_TMPDIR/tty.out"
	run_bg runtime exec -d --tty --console-socket "$sock" "$ID" sh -c 'tty; echo done'
	[ "$status" -eq 0 ]
	wait_recvtty
	run cat "$BATS_TEST_TMPDIR/tty.out"
	[[ "$output" == *done* ]]
	[[ "$(tr -d '\r' <<<"${lines[0]}")" =~ ^/dev/pts/[0-9]+$ ]]
}

@test "exec --detach --pid-file" {
	start_sleeper
	run_bg runtime exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 999
	[ "$status" -eq 0 ]
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ "$pid" -gt 1 ]
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 999 " ]
	[ "$(ctr_pid "$ID")" != "$pid" ]
	# It goes with the container.
	runtime delete --force "$ID"
	wait_gone "$pid"
}

@test "exec: the process joins the container's namespaces" {
	start_sleeper
	init=$(ctr_pid "$ID")
	run_bg runtime exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 999
	[ "$status" -eq 0 ]
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	for ns in pid net ipc uts mnt; do
		[ "$(ns_inode "$pid" "$ns")" = "$(ns_inode "$init" "$ns")" ]
		[ "$(ns_inode "$pid" "$ns")" != "$(ns_inode $$ "$ns")" ]
	done
	# ... and sees the container's root.
	[ "$(stat -Lc %d:%i "/proc/$pid/root")" = "$(stat -Lc %d:%i "/proc/$init/root")" ]
}

@test "exec: sees the container's processes (pid namespace)" {
	start_sleeper
	run runtime exec "$ID" ps -o pid,args
	[ "$status" -eq 0 ]
	grep -Eq '^ +1 +sleep 1000' <<<"$output"
}

@test "exec: in a stopped container fails" {
	set_args true
	id=$(ctr_id)
	run_detached_ok "$id"
	wait_status "$id" stopped
	run runtime exec "$id" true
	[ "$status" -ne 0 ]
}

@test "exec: in an unknown container fails" {
	run runtime exec nosuchcontainer true
	[ "$status" -ne 0 ]
}

# ---- runc's exit statuses and flags -------------------------------------------

@test "exec: a program that cannot be executed exits 255 (runc), the container runs on" {
	start_sleeper
	run runtime exec "$ID" /nonexistent
	[ "$status" -eq 255 ]
	run runtime exec "$ID" /etc/passwd # not executable
	[ "$status" -eq 255 ]
	[[ "$output" == *"exec failed"* ]]
	[ "$(ctr_status "$ID")" = running ]
	run -0 runtime exec "$ID" true
}

@test "exec: refused in a paused container (255); --ignore-paused runs once resumed" {
	start_sleeper
	run -0 runtime pause "$ID"
	run runtime exec "$ID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"paused"* ]]
	# The exec'd process is frozen with the rest until resume; resume must not
	# wait for the exec (it used to share the state lock with the frozen child).
	(
		sleep 1
		timeout 10 "$RUNTIME" --root "$STATE_ROOT" resume "$ID"
	) 3>&- &
	local resumer=$!
	run -0 timeout 20 "$RUNTIME" --root "$STATE_ROOT" exec --ignore-paused "$ID" echo ran
	[ "$output" = ran ]
	wait "$resumer"
	[ "$(ctr_status "$ID")" = running ]
}

@test "exec --cgroup SUB: the process joins a sub-cgroup of the container's" {
	requires_runtime capsule # runc 1.1 on this hybrid host joins v1 hierarchies
	start_sleeper
	local pid rel base
	pid=$(ctr_pid "$ID")
	rel=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	base=/sys/fs/cgroup
	[ -d /sys/fs/cgroup/unified ] && base=/sys/fs/cgroup/unified
	mkdir "$base$rel/sub"
	run -0 runtime exec --cgroup sub "$ID" cat /proc/self/cgroup
	grep -q "^0::.*/sub$" <<<"$output"
	run -0 runtime exec --cgroup / "$ID" cat /proc/self/cgroup
	! grep -q "/sub$" <<<"$output"
	run runtime exec --cgroup ../x "$ID" true
	[ "$status" -eq 255 ]
	run runtime exec --cgroup nosuch "$ID" true
	[ "$status" -eq 255 ]
	rmdir "$base$rel/sub"
}

# pidfd_receiver SOCK OUT: accept one connection on SOCK, take the fd sent, and write
# "<readlink of the fd> <Pid: from its fdinfo>" to OUT.
pidfd_receiver() {
	python3 - "$1" "$2" <<-'PY' 3>&- &
		import os, socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.bind(sys.argv[1]); s.listen(1); s.settimeout(30)
		c, _ = s.accept()
		msg, fds, _, _ = socket.recv_fds(c, 64, 1)
		fd = fds[0]
		pid = [l.split()[1] for l in open(f"/proc/self/fdinfo/{fd}") if l.startswith("Pid:")]
		open(sys.argv[2] + ".tmp", "w").write(os.readlink(f"/proc/self/fd/{fd}") + " " + (pid[0] if pid else "?") + "\n")
		os.rename(sys.argv[2] + ".tmp", sys.argv[2])
	PY
	local n=50
	while [ ! -S "$1" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
}

@test "--pidfd-socket: run -d and exec -d send a pidfd of the process (runc 1.2)" {
	requires_runtime capsule # runc 1.2+
	set_args sleep 1000
	local sock=$BATS_TEST_TMPDIR/p.sock out=$BATS_TEST_TMPDIR/pidfd.out
	pidfd_receiver "$sock" "$out"
	ID=$(ctr_id)
	run_detached_ok "$ID" --pidfd-socket "$sock"
	wait_file "$out"
	[ "$(cat "$out")" = "anon_inode:[pidfd] $(ctr_pid "$ID")" ]
	rm -f "$sock" "$out"
	pidfd_receiver "$sock" "$out"
	run_bg runtime exec -d --pid-file "$BATS_TEST_TMPDIR/e.pid" --pidfd-socket "$sock" "$ID" sleep 999
	[ "$status" -eq 0 ]
	wait_file "$out"
	[ "$(cat "$out")" = "anon_inode:[pidfd] $(cat "$BATS_TEST_TMPDIR/e.pid")" ]
	# nobody listening: a clear error, nothing left running
	rm -f "$sock"
	run runtime exec --pidfd-socket "$sock" "$ID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"--pidfd-socket"* ]]
}
