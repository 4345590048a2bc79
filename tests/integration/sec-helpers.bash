# Helpers for the security suites (seccomp.bats, security.bats, userns.bats,
# rootless.bats).  Runtime under test: $RUNTIME (default /work/main/capsule);
# RUNTIME=runc or RUNTIME=crun runs the same tests against those runtimes to
# check the tests themselves (crun goes through /work/shared/hybrid-ns on a
# hybrid cgroup host).  Tests that need capsule-only features call
# `requires_capsule`.
#
# Each test gets $SEC_TMP (bundle in $SEC_TMP/bundle, state root
# $SEC_TMP/state, C helpers built into $SEC_TMP/bin); teardown deletes every
# container under that root and removes the dir.  Cgroups: every config gets
# linux.cgroupsPath nested under this shell's own (deepest) cgroup, so nothing
# is created beside the host's cgroups.

SEC_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SEC_FIXTURES=$(cd "$SEC_HERE/../fixtures" && pwd)
SEC_REPO=$(cd "$SEC_HERE/../.." && pwd)
RUNTIME=${RUNTIME:-$SEC_REPO/capsule}
SEC_CACHE=${SEC_CACHE:-/tmp/capsule-sec-cache}

# shellcheck source=common.bash
source "$SEC_HERE/common.bash"

# Reuse the host suite's helpers when they exist (they may define the same
# names; ours below only fill in what is missing).
if [ -f "$SEC_HERE/helpers.bash" ] && [ -z "${SEC_NO_HOST_HELPERS:-}" ]; then
	# shellcheck source=/dev/null
	source "$SEC_HERE/helpers.bash"
fi

runtime_kind() {
	case "$(basename "$RUNTIME")" in
	runc*) echo runc ;;
	crun*) echo crun ;;
	*) echo capsule ;;
	esac
}
is_capsule() { [ "$(runtime_kind)" = capsule ]; }
requires_capsule() { is_capsule || skip "capsule-only: ${1:-feature}"; }
requires_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# rt ARGS...: the runtime with our private state root.
rt() {
	case "$(runtime_kind)" in
	crun) /work/shared/hybrid-ns "$RUNTIME" --root "$SEC_ROOT" "$@" ;;
	*) "$RUNTIME" --root "$SEC_ROOT" "$@" ;;
	esac
}

sec_rootfs_cache() {
	if [ ! -x "$SEC_CACHE/rootfs/bin/busybox" ]; then
		local t
		t=$(mktemp -d "$SEC_CACHE.XXXXXX")
		if [ -x "$SEC_FIXTURES/make-busybox-bundle" ]; then
			"$SEC_FIXTURES/make-busybox-bundle" "$t/b" >/dev/null && mv "$t/b/rootfs" "$t/rootfs"
		else
			"$SEC_FIXTURES/make-busybox-image" rootfs-dir "$t/rootfs" >/dev/null
		fi
		mkdir -p "$SEC_CACHE"
		rm -rf "$SEC_CACHE/rootfs"
		mv "$t/rootfs" "$SEC_CACHE/rootfs"
		rm -rf "$t"
	fi
}

# The runc-spec default config (root.readonly false so tests may write).
sec_default_config() {
	local caps='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'
	jq -n --argjson caps "$caps" --arg cg "$(own_cgroup_base)/capsule-sec-$$-${BATS_TEST_NUMBER:-0}" '{
	ociVersion: "1.0.2",
	process: {
		terminal: false, user: {uid: 0, gid: 0}, args: ["sh", "-c", "true"],
		env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
		cwd: "/",
		capabilities: {bounding: $caps, effective: $caps, permitted: $caps},
		rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
		noNewPrivileges: true
	},
	root: {path: "rootfs", readonly: false},
	hostname: "sec",
	mounts: [
		{destination: "/proc", type: "proc", source: "proc"},
		{destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
		{destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
		{destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}
	],
	linux: {
		cgroupsPath: $cg,
		resources: {devices: [{allow: false, access: "rwm"}]},
		namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
		maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
			"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
		readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
	}
}'
}

sec_setup() {
	SEC_TMP=$(mktemp -d /tmp/capsule-sec.XXXXXX)
	chmod 755 "$SEC_TMP"
	SEC_ROOT=$SEC_TMP/state
	BUNDLE=$SEC_TMP/bundle
	CID=sec$$-${BATS_TEST_NUMBER:-0}
	mkdir -p "$SEC_ROOT" "$BUNDLE" "$SEC_TMP/bin"
	sec_rootfs_cache
	cp -a "$SEC_CACHE/rootfs" "$BUNDLE/rootfs"
	sec_default_config >"$BUNDLE/config.json"
	SEC_PIDS=()
}

sec_teardown() {
	local p c
	for p in "${SEC_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [ -d "${SEC_ROOT:-/nonexistent}" ]; then
		for c in $(rt list -q 2>/dev/null); do rt delete -f "$c" >/dev/null 2>&1; done
	fi
	[ -n "${SEC_TMP:-}" ] && rm -rf "$SEC_TMP"
}

# cfg 'jq filter' [jq args...]: edit $BUNDLE/config.json in place.
cfg() {
	local f=$1
	shift
	jq "$f" "$@" <"$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARG...: process.args
set_args() {
	cfg '.process.args = $a' --argjson a "$(json_array "$@")"
}


# run_sh 'script': set process.args to sh -c SCRIPT and `run` the container.
run_sh() {
	set_args sh -c "$1"
	run rt run --bundle "$BUNDLE" "$CID"
}

# build_fixture NAME: cc tests/fixtures/NAME.c -> $SEC_TMP/bin/NAME (static, so
# it runs inside the busybox rootfs); prints the path.
build_fixture() {
	local name=$1 out=$SEC_TMP/bin/$1
	shift
	cc -O2 -static -o "$out" "$SEC_FIXTURES/$name.c" "$@" >&2 || return 1
	echo "$out"
}

# install_fixture NAME: build it and copy into the rootfs as /bin/NAME.
install_fixture() {
	local p
	p=$(build_fixture "$@") || return 1
	cp "$p" "$BUNDLE/rootfs/bin/$1"
}

# wait_for COND-COMMAND... (up to ~10 s)
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# A container running `sleep` in the background (create + start).
start_sleeper() {
	set_args sleep 1000
	rt run -d --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>"$SEC_TMP/run.err" || {
		cat "$SEC_TMP/run.err" >&2
		return 1
	}
}

# cap bit N set in a hex mask?
cap_bit() { (( (16#$1 >> $2) & 1 )); }

# Forget the current container (delete it if left) and use a fresh id.
sec_teardown_container() {
	rt delete -f "$CID" >/dev/null 2>&1 || true
	CID=sec$$-${BATS_TEST_NUMBER:-0}-$RANDOM
}
