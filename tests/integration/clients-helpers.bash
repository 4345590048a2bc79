# Helpers for clients.bats: real container engines (containerd 1.6 + ctr, podman 4.3)
# driving the runtime under test ($RUNTIME, an absolute path).
#
# Everything the tests create lives under one temp dir ($CL_TMP) and one cgroup
# parent ($CL_CG): private containerd (own config, root, state, socket), private
# podman storage (--root/--runroot/--tmpdir), and cgroups nested below our own.
#
# Cgroups on a hybrid host: containerd's default cgroupsPath is /<namespace>/<id> and
# podman's is /libpod_parent/libpod-<id>, both at the ROOT of every v1 hierarchy.  Our
# own cgroup differs per hierarchy (here memory:/process_api/<x>, the rest at /), so
# the tests pass one absolute parent, $CL_CG = <deepest own path>/capsule-clients-<uniq>,
# which is nested below our own cgroup in every hierarchy (each other own path is a
# prefix of it).  The intermediate dirs this creates in the other hierarchies are
# children of our own cgroup there; teardown removes only dirs that did not exist before.

RUNTIME=${RUNTIME:-/work/main/capsule}
CL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_FIXTURES=$(cd "$CL_HERE/../fixtures" && pwd)
# shellcheck source=common.bash
source "$CL_HERE/common.bash"
CL_NS=capsule-test # containerd namespace
CL_IMAGE=docker.io/library/capsule-busybox:latest
CL_PODMAN_IMAGE=localhost/capsule-busybox

# cl_have BIN PKG: BIN is there, or (as root) apt-get installs PKG.  0 if BIN usable.
cl_have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >"$CL_TMP/apt-$2.log" 2>&1 ||
		{ apt-get update >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >"$CL_TMP/apt-$2.log" 2>&1; } ||
		return 1
	command -v "$1" >/dev/null 2>&1
}

cl_is_hybrid() { [ -d /sys/fs/cgroup/unified ]; }


# cl_cg_rel DIR: DIR's cgroup path inside its hierarchy (/ for a hierarchy root)
cl_cg_rel() {
	local m best= rel
	for m in $(cgroup_mounts); do
		case "$1/" in "$m"/*) [ "${#m}" -gt "${#best}" ] && best=$m ;; esac
	done
	[ -n "$best" ] || return 1
	rel=${1#"$best"}
	echo "${rel:-/}"
}

# The deepest of our own cgroup paths, checked to be nested-compatible with the others.
cl_cg_own_base() {
	local best p
	best=$(own_cgroup_base)
	while IFS=: read -r _ _ p; do
		case "$best/" in "${p%/}/"*) ;; *)
			echo "own cgroups $p and $best are not nested: cannot pick one parent" >&2
			return 1
			;;
		esac
	done </proc/self/cgroup
	echo "${best%/}"
}

cl_runtime_is_v2_only() {
	"$RUNTIME" --version 2>/dev/null | head -n 1 | grep -q '^capsule version'
}

cl_cg_snapshot() { # FILE: every cgroup dir now
	local m
	for m in $(cgroup_mounts); do find "$m" -type d 2>/dev/null; done | sort -u >"$1"
}

# cl_cg_check_pid PID: every cgroup of PID is $CL_CG or below it.  A cgroup
# v2 runtime (capsule) on a hybrid host places containers in the unified
# hierarchy only and never moves them in v1 (those belong to the host), so
# for it only the "0::" line is checked.
cl_cg_check_pid() {
	local line p bad=0
	[ -r "/proc/$1/cgroup" ] || { echo "no /proc/$1/cgroup" >&2; return 1; }
	while read -r line; do
		case "$line" in 0::*) ;; *) cl_runtime_is_v2_only && continue ;; esac
		p=${line#*:*:}
		case "$p/" in "$CL_CG"/*) ;; *)
			echo "pid $1 is in cgroup '$line', outside $CL_CG" >&2
			bad=1
			;;
		esac
	done <"/proc/$1/cgroup"
	return $bad
}

# cl_cg_check_new: the cgroup dirs created since setup_file are all our nested ones.
# Dirs that other jobs on the host make meanwhile are shown, and only fail the test
# when they look like ours (our tag, an engine's default parent).
cl_cg_check_new() {
	local now=$CL_TMP/cg-now d rel bad=0
	cl_cg_snapshot "$now"
	while read -r d; do
		rel=$(cl_cg_rel "$d") || continue
		[ "$rel" = / ] && continue
		case "$CL_CG/" in "$rel"/*) continue ;; esac # an ancestor of $CL_CG
		case "$rel/" in "$CL_CG"/*) continue ;; esac # $CL_CG or below
		case "$d" in
		*"$CL_UNIQ"* | */"$CL_NS"* | */libpod* | */conmon* | */default/* | */machine.slice*)
			echo "cgroup created outside $CL_CG: $d" >&2
			bad=1
			;;
		*) echo "note: new cgroup (not ours?): $d" >&2 ;;
		esac
	done < <(comm -13 "$CL_TMP/cg-before" "$now")
	return $bad
}

# Remove $CL_CG and everything below it in every hierarchy, then the ancestors of
# $CL_CG that did not exist before (empty ones only: rmdir, never rm -r).
cl_cg_cleanup() {
	local m d rel
	[ -n "${CL_CG:-}" ] || return 0
	for m in $(cgroup_mounts); do
		[ -d "$m$CL_CG" ] && find "$m$CL_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
		rel=$CL_CG
		while rel=${rel%/*}; [ -n "$rel" ]; do
			d=$m$rel
			[ -d "$d" ] || continue
			grep -qxF "$d" "$CL_TMP/cg-before" && break
			rmdir "$d" 2>/dev/null || break
		done
	done
	return 0
}

# cl_wait TRIES CMD...: retry CMD every 0.1 s
cl_wait() {
	local n=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

cl_umount_under() { # unmount everything below DIR, deepest first
	local mp
	awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
}

# ---- containerd ------------------------------------------------------------

CL_CTD_DIR= # set by cl_ctd_start
ctrc() { ctr -a "$CL_CTD_DIR/containerd.sock" -n "$CL_NS" "$@"; }

cl_ctd_start() {
	CL_CTD_DIR=$CL_TMP/containerd
	mkdir -p "$CL_CTD_DIR"
	cat >"$CL_CTD_DIR/config.toml" <<-EOF
		version = 2
		root = "$CL_CTD_DIR/root"
		state = "$CL_CTD_DIR/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CL_CTD_DIR/containerd.sock"
		[ttrpc]
		  address = "$CL_CTD_DIR/containerd.sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CL_CTD_DIR/opt"
	EOF
	# 3>&-: bats waits for fd 3 to close; a daemon must not hold it.
	containerd --config "$CL_CTD_DIR/config.toml" >"$CL_CTD_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CL_CTD_DIR/pid"
	if ! cl_wait 100 ctrc version; then
		echo "private containerd did not come up:" >&2
		tail -20 "$CL_CTD_DIR/containerd.log" >&2
		return 1
	fi
	# overlayfs where the kernel and the temp dir's fs allow it, else native.
	if ctrc plugins ls 2>/dev/null | grep -Eq 'snapshotter +overlayfs .* ok'; then
		echo overlayfs >"$CL_CTD_DIR/snapshotter"
	else
		echo native >"$CL_CTD_DIR/snapshotter"
	fi
}

cl_ctd_stop() {
	local pid c pids=() n
	CL_CTD_DIR=$CL_TMP/containerd
	[ -s "$CL_CTD_DIR/pid" ] || return 0
	pid=$(cat "$CL_CTD_DIR/pid")
	if kill -0 "$pid" 2>/dev/null; then
		for c in $(ctrc task ls -q 2>/dev/null); do
			ctrc task kill -s KILL "$c" >/dev/null 2>&1
			cl_wait 50 cl_ctd_task_is "$c" STOPPED
			ctrc task delete "$c" >/dev/null 2>&1
		done
		for c in $(ctrc container ls -q 2>/dev/null); do ctrc container delete "$c" >/dev/null 2>&1; done
	fi
	# Shims daemonize away from containerd; their pid files are in the task dirs.
	for c in "$CL_CTD_DIR"/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
		[ -s "$c" ] && pids+=("$(cat "$c")")
	done
	kill "$pid" 2>/dev/null
	n=100
	while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for c in "${pids[@]}"; do kill -KILL "$c" 2>/dev/null; done
	rm -f "$CL_CTD_DIR/pid"
	return 0
}

# cl_ctd_run_opts ID: the options every `ctr run` of the tests gets.
cl_ctd_run_opts() {
	echo --runc-binary "$RUNTIME" --snapshotter "$(cat "$CL_CTD_DIR/snapshotter")" --cgroup "$CL_CG/$1"
}

cl_ctd_task_pid() { ctrc task ls | awk -v c="$1" '$1 == c { print $2 }'; }
cl_ctd_task_status() { ctrc task ls | awk -v c="$1" '$1 == c { print $3 }'; }
cl_ctd_task_is() { [ "$(cl_ctd_task_status "$1")" = "$2" ]; } # ID STATUS

# ---- podman ----------------------------------------------------------------

podmanc() {
	podman --root "$CL_TMP/podman/root" --runroot "$CL_TMP/podman/runroot" \
		--tmpdir "$CL_TMP/podman/tmp" --storage-driver vfs \
		--cgroup-manager=cgroupfs --events-backend=file --runtime "$RUNTIME" "$@"
}

# Options for `podman run`: no network, our cgroup parent, and what this host needs.
cl_podman_run_opts() {
	local o="--network none --cgroup-parent $CL_CG" h
	# Hybrid host: podman puts a pids limit in a cgroup v2 way; ask for none.
	cl_is_hybrid && o="$o --pids-limit=-1"
	# podman's default RLIMIT_NOFILE/NPROC are 1048576/4194304; above the hard limit
	# the runtime's setrlimit gets EPERM.
	h=$(ulimit -Hn)
	[ "$h" = unlimited ] || [ "$h" -ge 1048576 ] || o="$o --ulimit nofile=1024:1024"
	h=$(ulimit -Hu)
	[ "$h" = unlimited ] || [ "$h" -ge 4194304 ] || o="$o --ulimit nproc=1024:1024"
	echo "$o"
}

cl_podman_cleanup() {
	[ -d "$CL_TMP/podman" ] || return 0
	command -v podman >/dev/null || return 0
	podmanc rm -f -a -t 0 >/dev/null 2>&1 || true
}

# ---- per file ----------------------------------------------------------------

# Shared by clients*.bats: a private containerd and podman storage with the
# busybox image, under $CL_TMP.
cl_setup_file() {
	[ "$(id -u)" = 0 ] || { echo "clients*.bats need root" >&2; return 1; }
	case "$RUNTIME" in /*) ;; *) echo "RUNTIME must be an absolute path: $RUNTIME" >&2; return 1 ;; esac
	[ -x "$RUNTIME" ] || { echo "RUNTIME=$RUNTIME is not an executable (not built yet?)" >&2; return 1; }

	CL_TMP=$(mktemp -d /tmp/capsule-clients.XXXXXX)
	CL_UNIQ=capsule-clients-$$-${RANDOM}
	local base
	base=$(cl_cg_own_base) || return 1
	CL_CG=$base/$CL_UNIQ
	export CL_TMP CL_UNIQ CL_CG
	cl_cg_snapshot "$CL_TMP/cg-before"

	CL_HAVE_CTD=0 CL_HAVE_PODMAN=0
	if cl_have containerd containerd && cl_have ctr containerd &&
		cl_have containerd-shim-runc-v2 containerd; then
		"$CL_FIXTURES/make-busybox-image" oci "$CL_TMP/image-oci.tar" "$CL_IMAGE"
		cl_ctd_start
		ctrc images import --snapshotter "$(cat "$CL_TMP/containerd/snapshotter")" \
			"$CL_TMP/image-oci.tar" >/dev/null
		CL_HAVE_CTD=1
	fi
	if cl_have podman podman; then
		mkdir -p "$CL_TMP/podman/tmp"
		"$CL_FIXTURES/make-busybox-image" rootfs-tar "$CL_TMP/rootfs.tar"
		podmanc import "$CL_TMP/rootfs.tar" "$CL_PODMAN_IMAGE" >/dev/null
		CL_HAVE_PODMAN=1
	fi
	export CL_HAVE_CTD CL_HAVE_PODMAN
}

cl_teardown_file() {
	[ -n "${CL_TMP:-}" ] && [ -d "$CL_TMP" ] || return 0
	cl_ctd_stop
	cl_podman_cleanup
	cl_umount_under "$CL_TMP"
	cl_cg_cleanup
	rm -rf "$CL_TMP"
}

need_ctd() { [ "$CL_HAVE_CTD" = 1 ] || skip "containerd could not be installed (apt-get install -y containerd)"; CL_CTD_DIR=$CL_TMP/containerd; }
need_podman() { [ "$CL_HAVE_PODMAN" = 1 ] || skip "podman could not be installed (apt-get install -y podman)"; }

uniq_name() { echo "$1-$BATS_TEST_NUMBER-$RANDOM"; }
