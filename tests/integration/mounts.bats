#!/usr/bin/env bats
# Mounts: binds, tmpfs, special filesystems, read-only root, propagation, symlinked
# targets, masked and read-only paths, devices, /dev.

load helpers

run_ctr() { run runtime run --bundle "$BUNDLE" "$(ctr_id)"; }

# mountinfo_line MOUNTINFO DEST: the line for mount point DEST (the last one)
mountinfo_line() { awk -v d="$2" '$5 == d' <<<"$1" | tail -n1; }

# fstype of a mountinfo line
mi_fstype() { awk '{ for (i = 7; i <= NF && $i != "-"; i++); print $(i + 1) }' <<<"$1"; }
# per-mount options (field 6) and super options (last field)
mi_opts() { awk '{ print $6 }' <<<"$1"; }
mi_super() { awk '{ print $NF }' <<<"$1"; }

has_opt() { tr ',' '\n' <<<"$1" | grep -qx "$2"; }

# Host-side mounts made by a test: unmounted (lazily) in reverse order at the end.
host_mount() {
	mount "$@"
	HOST_MOUNTS=("${!#}" "${HOST_MOUNTS[@]}")
}
test_teardown() {
	local m
	for m in "${HOST_MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
HOST_MOUNTS=()

@test "bind: rw and ro" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo from-host >"$BATS_TEST_TMPDIR/src/file"
	add_mount "{\"destination\": \"/mnt/rw\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\", \"rw\"]}"
	add_mount "{\"destination\": \"/mnt/ro\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"bind\", \"ro\"]}"
	set_cmd 'cat /mnt/ro/file; echo from-ctr >/mnt/rw/new || exit 10; touch /mnt/ro/x 2>/dev/null && exit 11; exit 0'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$BATS_TEST_TMPDIR/src/new")" = from-ctr ]
	[ ! -e "$BATS_TEST_TMPDIR/src/x" ]
}

@test "bind: a single file" {
	echo file-content >"$BATS_TEST_TMPDIR/one"
	add_mount "{\"destination\": \"/etc/one\", \"type\": \"none\", \"source\": \"$BATS_TEST_TMPDIR/one\", \"options\": [\"bind\", \"ro\"]}"
	set_args cat /etc/one
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = file-content ]
}

@test "bind: a missing source fails" {
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/nonexistent\", \"options\": [\"bind\"]}"
	set_args true
	run_bg runtime create --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$STATE_ROOT")" ]
}

@test "rbind carries submounts, bind does not" {
	mkdir -p "$BATS_TEST_TMPDIR/src/sub"
	host_mount -t tmpfs -o size=1m tmpfs "$BATS_TEST_TMPDIR/src/sub"
	echo in-submount >"$BATS_TEST_TMPDIR/src/sub/f"
	add_mount "{\"destination\": \"/mnt/r\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/mnt/b\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"bind\"]}"
	set_cmd 'cat /mnt/r/sub/f; ls -A /mnt/b/sub | wc -l'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = in-submount ]
	[ "${lines[1]}" = 0 ]
}

@test "propagation: rslave sees later host mounts, rprivate does not" {
	mkdir -p "$BATS_TEST_TMPDIR/src/late"
	# The source must be a shared mount for anything to propagate.
	host_mount --bind "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/src"
	mount --make-shared "$BATS_TEST_TMPDIR/src"
	# The root's propagation has a runtime-specific default (runc rslave, crun rprivate).
	update_config '.linux.rootfsPropagation = "rslave"'
	add_mount "{\"destination\": \"/mnt/slave\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\", \"rslave\"]}"
	add_mount "{\"destination\": \"/mnt/private\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\", \"rprivate\"]}"
	set_args sleep 1000
	id=$(ctr_id)
	run_detached_ok "$id"
	host_mount -t tmpfs -o size=1m tmpfs "$BATS_TEST_TMPDIR/src/late"
	echo late >"$BATS_TEST_TMPDIR/src/late/f"
	run runtime exec "$id" cat /mnt/slave/late/f
	[ "$status" -eq 0 ]
	[ "$output" = late ]
	run runtime exec "$id" ls -A /mnt/private/late
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# and nothing propagates back from the container (slave)
	run runtime exec "$id" sh -c 'mkdir -p /dev/shm/x && mount -t tmpfs tmpfs /mnt/slave/late 2>&1 || true'
	[ "$(cat "$BATS_TEST_TMPDIR/src/late/f")" = late ]
}

@test "tmpfs: size and mode" {
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m", "mode=1770"]}'
	set_cmd 'stat -c %a /scratch; grep " /scratch " /proc/self/mountinfo; echo x >/scratch/f && echo writable'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1770 ]
	[ "$(mi_fstype "${lines[1]}")" = tmpfs ]
	has_opt "$(mi_super "${lines[1]}")" size=1024k
	has_opt "$(mi_opts "${lines[1]}")" nosuid
	[ "${lines[2]}" = writable ]
}

@test "special filesystems: proc, sysfs, mqueue, devpts, /dev tmpfs, cgroup in mountinfo" {
	set_args cat /proc/self/mountinfo
	run_ctr
	[ "$status" -eq 0 ]
	mi=$output
	[ "$(mi_fstype "$(mountinfo_line "$mi" /proc)")" = proc ]
	[ "$(mi_fstype "$(mountinfo_line "$mi" /sys)")" = sysfs ]
	[ "$(mi_fstype "$(mountinfo_line "$mi" /dev)")" = tmpfs ]
	[ "$(mi_fstype "$(mountinfo_line "$mi" /dev/pts)")" = devpts ]
	[ "$(mi_fstype "$(mountinfo_line "$mi" /dev/shm)")" = tmpfs ]
	[ "$(mi_fstype "$(mountinfo_line "$mi" /dev/mqueue)")" = mqueue ]
	# "cgroup" in the config: cgroup2 on a unified host; a tmpfs of v1 hierarchies otherwise
	cg=$(mi_fstype "$(mountinfo_line "$mi" /sys/fs/cgroup)")
	[ "$cg" = cgroup2 ] || [ "$cg" = tmpfs ]
	# devpts: a new instance with the config's options
	super=$(mi_super "$(mountinfo_line "$mi" /dev/pts)")
	has_opt "$super" ptmxmode=666
	has_opt "$super" mode=620
	has_opt "$super" gid=5
}

@test "cgroup2: an explicit cgroup2 mount" {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || skip "host is not cgroup v2 unified: cgroup2 at /sys/fs/cgroup cannot be checked here"
	update_config '.linux.namespaces += [{"type": "cgroup"}] |
		(.mounts[] | select(.destination == "/sys/fs/cgroup")) |= (.type = "cgroup2" | .source = "cgroup2")'
	set_cmd 'grep " /sys/fs/cgroup " /proc/self/mountinfo'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$(mi_fstype "$output")" = cgroup2 ]
}

@test "nosuid/noexec/nodev on /sys (config) and /proc (when asked)" {
	update_config '(.mounts[] | select(.destination == "/proc")).options = ["nosuid", "noexec", "nodev"]'
	set_args cat /proc/self/mountinfo
	run_ctr
	[ "$status" -eq 0 ]
	for d in /proc /sys; do
		o=$(mi_opts "$(mountinfo_line "$output" "$d")")
		has_opt "$o" nosuid
		has_opt "$o" noexec
		has_opt "$o" nodev
	done
	has_opt "$(mi_opts "$(mountinfo_line "$output" /sys)")" ro
}

@test "readonly root: writing to / fails, root.readonly=false allows it" {
	set_cmd 'touch /x 2>/dev/null && echo wrote || echo ro; awk "\$5 == \"/\"" /proc/self/mountinfo'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ro ]
	has_opt "$(mi_opts "${lines[1]}")" ro
	[ ! -e "$ROOTFS/x" ]

	writable_root
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = wrote ]
	[ -e "$ROOTFS/x" ]
}

@test "mount target through a symlink stays inside the rootfs" {
	# a host dir outside the rootfs (the test dir goes away with the test)
	host=$BATS_TEST_TMPDIR/hostdir-unique
	mkdir -p "$host"
	ln -s "$host" "$ROOTFS/etc/evil"
	add_mount '{"destination": "/etc/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	set_args sleep 1000
	id=$(ctr_id)
	run_bg runtime run -d --bundle "$BUNDLE" "$id"
	if [ "$status" -eq 0 ]; then
		# Inside, the path resolves (within the root) to the tmpfs.
		run runtime exec "$id" sh -c 'stat -f -c %T /etc/evil/; touch /etc/evil/marker'
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = tmpfs ]
		# The symlink target was created inside the rootfs, if anywhere.
		[ -d "$ROOTFS$host" ] || [ -d "$ROOTFS/etc/evil" ]
	fi
	# Refusing is fine too; escaping is not: nothing on the host path.
	[ -z "$(ls -A "$host")" ]
	! grep -qF " $host " /proc/self/mountinfo
}

@test "maskedPaths: files read empty, directories are empty" {
	set_cmd 'for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware /proc/acpi /proc/scsi; do
		[ -e $p ] || continue
		if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; else echo "$p $(cat $p | wc -c)"; fi
	done'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 2 ]
	for l in "${lines[@]}"; do
		[ "${l##* }" = 0 ] || { echo "not masked: $l" >&2; return 1; }
	done
}

@test "maskedPaths: a path of the test's own" {
	update_config '.linux.maskedPaths += ["/etc/hostname", "/home"]'
	set_cmd 'cat /etc/hostname | wc -c; ls -A /home | wc -l'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
}

@test "readonlyPaths: /proc/sys cannot be written" {
	set_cmd '{ echo other >/proc/sys/kernel/hostname; } 2>/dev/null && echo wrote || echo refused; hostname'
	update_config '.hostname = "before"'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = refused ]
	[ "${lines[1]}" = before ]
}

@test "readonlyPaths: a path of the test's own" {
	writable_root
	update_config '.linux.readonlyPaths += ["/home"]'
	set_cmd 'touch /home/x 2>/dev/null && echo wrote || echo refused; touch /tmp/y && echo ok'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = refused ]
	[ "${lines[1]}" = ok ]
}

@test "linux.devices: nodes with type, major/minor, mode, owner" {
	update_config '.linux.devices = [
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 432, "uid": 1000, "gid": 1000},
		{"path": "/dev/myloop", "type": "b", "major": 7, "minor": 200, "fileMode": 384}]'
	set_cmd 'stat -c "%F %t %T %a %u %g" /dev/mynull /dev/myloop'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1 3 660 1000 1000" ]
	[ "${lines[1]}" = "block special file 7 c8 600 0 0" ]
}

@test "/dev: default nodes and symlinks" {
	set_cmd 'for d in null zero full random urandom tty; do stat -c "%n %F %t %T %a" /dev/$d; done
		for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
		echo data >/dev/null && head -c 4 /dev/zero | wc -c'
	run_ctr
	[ "$status" -eq 0 ]
	grep -qx '/dev/null character special file 1 3 666' <<<"$output"
	grep -qx '/dev/zero character special file 1 5 666' <<<"$output"
	grep -qx '/dev/full character special file 1 7 666' <<<"$output"
	grep -qx '/dev/random character special file 1 8 666' <<<"$output"
	grep -qx '/dev/urandom character special file 1 9 666' <<<"$output"
	grep -qx '/dev/tty character special file 5 0 666' <<<"$output"
	grep -qx 'fd -> /proc/self/fd' <<<"$output"
	grep -qx 'stdin -> /proc/self/fd/0' <<<"$output"
	grep -qx 'stdout -> /proc/self/fd/1' <<<"$output"
	grep -qx 'stderr -> /proc/self/fd/2' <<<"$output"
	grep -qx 'ptmx -> pts/ptmx' <<<"$output"
	[ "${lines[-1]}" = 4 ]
}

@test "/dev/shm: writable tmpfs, mode 1777" {
	set_cmd 'stat -c %a /dev/shm; echo x >/dev/shm/f && cat /dev/shm/f; stat -f -c %T /dev/shm'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1777 ]
	[ "${lines[1]}" = x ]
	[ "${lines[2]}" = tmpfs ]
}

@test "proc or sysfs on a symlinked /proc or /sys in the rootfs is refused (runc)" {
	# /proc -> /fakeproc would move proc and the masked paths below it.
	rm -rf "$BUNDLE/rootfs/proc"
	mkdir "$BUNDLE/rootfs/fakeproc"
	ln -s /fakeproc "$BUNDLE/rootfs/proc"
	set_args true
	run_bg runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	assert_contains "$output" "ordinary directory"
	[ -z "$(ls -A "$BUNDLE/rootfs/fakeproc")" ]
	rm "$BUNDLE/rootfs/proc"
	mkdir "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/fakesys"
	rm -rf "$BUNDLE/rootfs/sys"
	ln -s /fakesys "$BUNDLE/rootfs/sys"
	run_bg runtime run --bundle "$BUNDLE" "$(ctr_id)"
	[ "$status" -ne 0 ]
	assert_contains "$output" "ordinary directory"
}

@test "bind mount onto a dangling symlink (resolv.conf -> ../run/...) lands on its target inside the rootfs" {
	# images often ship /etc/resolv.conf as a link into an empty /run (runc creates the target)
	printf 'nameserver 192.0.2.53\n' >"$BATS_TEST_TMPDIR/resolv.conf"
	rm -f "$ROOTFS/etc/resolv.conf"
	ln -s ../run/capsule-stub-$$/resolv.conf "$ROOTFS/etc/resolv.conf"
	add_mount "{\"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/resolv.conf\", \"options\": [\"rbind\", \"ro\"]}"
	set_cmd 'cat /etc/resolv.conf'
	run_ctr
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nameserver 192.0.2.53" ]
	[ -f "$ROOTFS/run/capsule-stub-$$/resolv.conf" ]
	[ ! -e "/run/capsule-stub-$$" ]
}

@test "--no-pivot: masked paths apply and no bare /proc can be mounted (runc msMoveRoot)" {
	unshare -Ur true 2>/dev/null || skip "user namespaces are not available here"
	# a user namespace may mount a new procfs only where an unmasked one is
	# visible in its mount namespace: without pivot_root the host's /proc
	# would be that one (CAP_SETFCAP: to map uid 0 in the new namespace)
	local c='["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP"]'
	update_config ".process.capabilities = {bounding: $c, effective: $c, permitted: $c}"
	set_cmd 'echo "timer_list $(wc -c </proc/timer_list)"
		unshare -Urmpf sh -c "mount -t proc proc /proc && echo BARE || echo refused" 2>&1 |
			tail -n1
		unshare -Urmn sh -c "mount -t sysfs sysfs /sys && echo BARE || echo refused" 2>&1 |
			tail -n1'
	local np
	for np in "" --no-pivot; do
		run runtime run $np --bundle "$BUNDLE" "$(ctr_id)"
		echo "$np: $output"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "timer_list 0" ]
		[ "${lines[1]}" = refused ]
		[ "${lines[2]}" = refused ]
	done
}
