#!/usr/bin/env bats
# Real clients driving the runtime: a private containerd 1.6 (ctr, shim runc-v2 with
# BinaryName = $RUNTIME) and podman 4.3 (--runtime $RUNTIME), offline busybox image.
#
#   RUNTIME=/work/main/capsule bats tests/integration/clients.bats
#   RUNTIME=$(command -v runc) bats tests/integration/clients.bats
#   /work/shared/hybrid-ns env RUNTIME=/usr/bin/crun bats tests/integration/clients.bats
#
# As root on a fresh machine the tests apt-get install containerd and podman when
# missing; a client that cannot be installed skips its tests.  See clients-helpers.bash
# for where the containers' cgroups go (nested below our own, never host cgroups).

bats_require_minimum_version 1.5.0
load clients-helpers

setup_file() { cl_setup_file; }
teardown_file() { cl_teardown_file; }

# ---- containerd --------------------------------------------------------------

@test "ctr run --rm: output and exit status" {
	need_ctd
	local id
	id=$(uniq_name run)
	run -0 ctrc run $(cl_ctd_run_opts "$id") --rm "$CL_IMAGE" "$id" sh -c 'echo hello from ctr; id -u'
	[ "${lines[0]}" = "hello from ctr" ]
	[ "${lines[1]}" = 0 ]

	id=$(uniq_name exit)
	run -7 ctrc run $(cl_ctd_run_opts "$id") --rm "$CL_IMAGE" "$id" sh -c 'exit 7'
	run -0 ctrc container ls -q
	! grep -qx "$id" <<<"$output"
}

# The start race (issue 9): `ctr run --rm IMAGE true` failed about one run in
# three with "OCI runtime start failed: open <state>/exec.fifo: No such
# process" (the shim reaps the init as soon as it exits).  Not reproduced here
# under a different load (20 runs passed before the fix too): lifecycle.bats'
# start stress test is the one that caught it.
@test "ctr run --rm of an instant process: 10 in a row never fail" {
	need_ctd
	local i id
	for i in $(seq 10); do
		id=$(uniq_name rt$i)
		run ctrc run $(cl_ctd_run_opts "$id") --rm "$CL_IMAGE" "$id" true
		[ "$status" -eq 0 ] || { echo "round $i: $output"; false; }
	done
}

@test "ctr run -d, task exec, kill, delete; cgroups nested below ours" {
	need_ctd
	local id pid
	id=$(uniq_name detach)
	run -0 ctrc run $(cl_ctd_run_opts "$id") -d "$CL_IMAGE" "$id" \
		sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	cl_wait 50 cl_ctd_task_is "$id" RUNNING
	pid=$(cl_ctd_task_pid "$id")
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
	cl_cg_check_pid "$pid"
	cl_cg_check_new

	run -0 ctrc task exec --exec-id x1 "$id" sh -c 'echo in-exec $(cat /proc/1/cmdline | tr "\0" " ")'
	[[ "$output" == "in-exec sh -c trap"* ]] || { echo "exec printed: '$output'"; false; }
	run -3 ctrc task exec --exec-id x2 "$id" sh -c 'exit 3'
	# The exec'd process shares the container's pid namespace and cgroup.
	run -0 ctrc task exec --exec-id x3 "$id" sh -c 'cat /proc/self/cgroup; ls /proc | grep -c "^[0-9]"'
	run -0 ctrc task ps "$id"
	[ "${#lines[@]}" -ge 2 ]

	run -0 ctrc task kill "$id"
	cl_wait 50 cl_ctd_task_is "$id" STOPPED
	run -0 --separate-stderr ctrc task delete "$id"
	[[ "$stderr" == *"exit code 42"* ]]
	run -0 ctrc container delete "$id"
	run -0 ctrc container ls -q
	! grep -qx "$id" <<<"$output"
	# The runtime removed the container's cgroup on delete.
	local m
	for m in $(cgroup_mounts); do [ ! -d "$m$CL_CG/$id" ]; done
}

@test "ctr task pause / resume (freezer)" {
	need_ctd
	local id
	id=$(uniq_name pause)
	run -0 ctrc run $(cl_ctd_run_opts "$id") -d "$CL_IMAGE" "$id" sleep 1000
	cl_wait 50 cl_ctd_task_is "$id" RUNNING
	run -0 ctrc task pause "$id"
	[ "$(cl_ctd_task_status "$id")" = PAUSED ]
	run -0 ctrc task resume "$id"
	[ "$(cl_ctd_task_status "$id")" = RUNNING ]
	run -0 ctrc task kill -s KILL "$id"
	cl_wait 50 cl_ctd_task_is "$id" STOPPED
	run -0 ctrc task delete "$id"
	run -0 ctrc container delete "$id"
}

# ---- podman ------------------------------------------------------------------

@test "podman run --rm: output and exit status" {
	need_podman
	run -0 podmanc run --rm $(cl_podman_run_opts) "$CL_PODMAN_IMAGE" echo hi
	[ "$output" = hi ]
	run -9 podmanc run --rm $(cl_podman_run_opts) "$CL_PODMAN_IMAGE" sh -c 'exit 9'
}

@test "podman run -d, exec, stop, rm; cgroups nested below ours" {
	need_podman
	local name pid
	name=$(uniq_name pd)
	run -0 podmanc run -d --name "$name" $(cl_podman_run_opts) "$CL_PODMAN_IMAGE" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	run -0 podmanc inspect -f '{{.State.Status}} {{.State.Pid}}' "$name"
	[ "${output%% *}" = running ]
	pid=${output##* }
	cl_cg_check_pid "$pid"
	cl_cg_check_new

	run -0 podmanc exec "$name" sh -c 'echo in-exec; id -u'
	[ "${lines[0]}" = in-exec ]
	[ "${lines[1]}" = 0 ]
	run -5 podmanc exec "$name" sh -c 'exit 5'

	run -0 podmanc stop -t 10 "$name"
	run -0 podmanc inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name"
	[ "$output" = "exited 0" ]
	run -0 podmanc rm "$name"
	run -0 podmanc ps -a -q --filter "name=$name"
	[ -z "$output" ]
}

@test "podman run --read-only" {
	need_podman
	run -0 podmanc run --rm --read-only $(cl_podman_run_opts) "$CL_PODMAN_IMAGE" \
		sh -c 'if touch /x 2>/dev/null; then echo rootfs-writable; else echo rootfs-ro; fi; touch /tmp/y && echo tmp-rw'
	[ "${lines[0]}" = rootfs-ro ]
	[ "${lines[1]}" = tmp-rw ]
}

@test "podman run --uidmap 0:100000:65536" {
	need_podman
	run -0 podmanc run --rm --uidmap 0:100000:65536 $(cl_podman_run_opts) "$CL_PODMAN_IMAGE" \
		sh -c 'cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox'
	read -r a b c <<<"${lines[0]}"
	[ "$a $b $c" = "0 100000 65536" ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 0 ]
}
