#!/usr/bin/env bats
# gpu/: CDI devices (--device, cdi.k8s.io/ annotations) and --gpus discovery,
# on a fake NVIDIA host (tests/fixtures/make-fake-gpu: character nodes 195:N
# with no driver behind them, real driver-shaped shared objects indexed in an
# ld.so.cache, a createContainer hook).  Asserted from inside the container:
# the requested nodes with their type, numbers and mode, ENXIO (no driver)
# rather than EPERM when opened, EPERM from the device filter for a node of
# the same major that was not requested, env, mounts, the hook's stdin, cwd
# and /proc; from the host: the eBPF filter on the container's cgroup.
#
# Checked to fail without the feature: with gpu_apply() returning 0 at once
# every container test here fails (no nodes, no env, no hook); without the
# chdir before createContainer hooks in runtime/init.c the hook's cwd is the
# bundle and the hook test fails.

load helpers

setup_file() {
	export FAKE=$BATS_FILE_TMPDIR/fake
	"$BATS_TEST_DIRNAME/../fixtures/make-fake-gpu" "$FAKE"
}

# cdi_runtime ARGS...: the runtime with the spec dir $CDI_DIR (default: the
# fake host's); create/run get the test cgroup parent like `runtime` does.
cdi_runtime() {
	local rc=0
	case "${1:-}" in create | run) set_cgroups_path "$@" ;; esac
	"$RUNTIME" --root "$STATE_ROOT" --cdi-spec-dir "${CDI_DIR:-$FAKE/cdi}" "$@" || rc=$?
	_reset_cgroups_path
	return $rc
}

# run_in 'sh code' FLAGS...: run the container in the foreground, output in $output
run_in() {
	local code=$1
	shift
	set_cmd "$code"
	rm -f "$FAKE"/hook.out/*
	run cdi_runtime run --bundle "$BUNDLE" "$@" "$(ctr_id)"
	echo "$output"
}

# nodes PATH...: shell code printing "PATH TYPE major:minor(hex) mode" for each
nodes() { echo "for n in $*; do stat -c '%n %F %t:%T %a' \$n; done"; }

@test "gpu: cdi list names every device and its spec file" {
	requires_runtime capsule
	run "$RUNTIME" --cdi-spec-dir "$FAKE/cdi" cdi list
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "nvidia.com/gpu=0	$FAKE/cdi/nvidia.yaml"
	assert_contains "nvidia.com/gpu=all	$FAKE/cdi/nvidia.yaml"
	assert_contains "example.com/net.card=eth-0	$FAKE/cdi/nvidia-other.json"
	[ "${#lines[@]}" -eq 4 ]
}

@test "gpu: cdi validate accepts the fixtures and names file and field of each bad one" {
	requires_runtime capsule
	run "$RUNTIME" cdi validate "$FAKE/cdi/nvidia.yaml" "$FAKE/cdi/nvidia-other.json"
	[ "$status" -eq 0 ]
	assert_contains "nvidia.yaml: ok, 3 device(s)"
	bad=$BATS_TEST_DIRNAME/../fixtures/cdi/bad
	declare -A want=(
		[bad-name.yaml]='devices[0].name: device name "-gpu0" must start with a letter or digit'
		[bad-kind.json]='kind: vendor "nvidia" must end'
		[version-hostpath.yaml]='devices[0].containerEdits.deviceNodes[0].hostPath: needs cdiVersion 0.5.0 or later'
		[version-unknown.json]='cdiVersion: unsupported version "2.0.0"'
		[version-gids.yaml]='additionalGids: needs cdiVersion 0.7.0'
		[version-netdevices.json]='netDevices: needs cdiVersion 1.1.0'
		[missing-path.json]='devices[0].containerEdits.deviceNodes[0].path: required'
		[bad-yaml.yaml]='line 3'
	)
	for f in "${!want[@]}"; do
		run "$RUNTIME" cdi validate "$bad/$f"
		echo "$f: $output"
		[ "$status" -ne 0 ]
		assert_contains "$bad/$f: ${want[$f]}"
	done
}

@test "gpu: two spec files of one dir defining a device is an error naming both" {
	requires_runtime capsule
	d=$BATS_TEST_TMPDIR/cdi
	mkdir -p "$d"
	cp "$FAKE/cdi/nvidia.yaml" "$d/a.yaml"
	cp "$FAKE/cdi/nvidia.yaml" "$d/b.yaml"
	run "$RUNTIME" --cdi-spec-dir "$d" cdi list
	[ "$status" -ne 0 ]
	assert_contains "is defined both in $d/a.yaml and in $d/b.yaml"
	# A later dir overrides an earlier one without conflict.
	rm "$d/b.yaml"
	run "$RUNTIME" --cdi-spec-dir "$FAKE/cdi" --cdi-spec-dir "$d" cdi list
	[ "$status" -eq 0 ]
	assert_contains "nvidia.com/gpu=0	$d/a.yaml"
}

@test "gpu: --device gives exactly the requested nodes; the filter denies the rest" {
	requires_runtime capsule
	add_mount "{\"destination\": \"/nv2\", \"type\": \"bind\", \"source\": \"$FAKE/dev/nvidia2\", \"options\": [\"bind\"]}"
	run_in "$(nodes /dev/nvidia0 /dev/nvidiactl /dev/nvidia-uvm)"'; for n in /dev/nvidia0 /dev/nvidiactl /dev/nvidia-uvm /nv2; do cat $n 2>&1; done; ls /dev/nvidia1 2>&1; true' \
		--device nvidia.com/gpu=0
	[ "$status" -eq 0 ]
	assert_contains "/dev/nvidia0 character special file c3:0 666"
	assert_contains "/dev/nvidiactl character special file c3:ff 666"
	assert_contains "/dev/nvidia-uvm character special file 1ff:0 666"
	assert_contains "can't open '/dev/nvidia0': No such device or address"
	assert_contains "can't open '/dev/nvidiactl': No such device or address"
	# permissions: rw -> no mknod, read and write still allowed
	assert_contains "can't open '/dev/nvidia-uvm': No such device or address"
	assert_contains "can't open '/nv2': Operation not permitted"
	assert_contains "/dev/nvidia1: No such file or directory"
}

@test "gpu: env, driver mounts and the createContainer hook (stdin, cwd = root, /proc)" {
	requires_runtime capsule
	update_config '.process.env += ["NVIDIA_VISIBLE_DEVICES=all"]'
	run_in 'env | grep -c NVIDIA_VISIBLE_DEVICES; echo $NVIDIA_VISIBLE_DEVICES;
		grep -E " /usr/(lib/x86_64-linux-gnu/libcuda.so.535.104.05|bin/nvidia-smi) " /proc/self/mountinfo;
		/usr/bin/nvidia-smi' --device nvidia.com/gpu=1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = void ]
	assert_contains " /usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05 ro,nosuid,nodev"
	assert_contains " /usr/bin/nvidia-smi ro,nosuid,nodev"
	assert_contains "GPU 0: Fake GPU"
	[ "$(jq -r .status "$FAKE/hook.out/state.json")" = creating ] ||
		[ "$(jq -r .status "$FAKE/hook.out/state.json")" = created ]
	[ "$(jq -r .bundle "$FAKE/hook.out/state.json")" = "$BUNDLE" ]
	[ "$(cat "$FAKE/hook.out/cwd")" = "$ROOTFS" ]
	[ "$(cat "$FAKE/hook.out/proc")" = yes ]
	[ "$(cat "$FAKE/hook.out/args")" = "hook update-ldcache --folder /usr/lib/x86_64-linux-gnu" ]
}

@test "gpu: cdi.k8s.io annotations are resolved; a node an engine injected is kept once" {
	requires_runtime capsule
	update_config '.annotations["cdi.k8s.io/test"] = "nvidia.com/gpu=1, example.com/net.card=eth-0" |
		.linux.devices += [{path: "/dev/nvidia1", type: "c", major: 195, minor: 1}]'
	id=$(ctr_id)
	set_cmd "$(nodes /dev/nvidia1 /dev/example0)"'; cat /etc/example.conf; echo $EXAMPLE_CARD'
	rm -f "$FAKE"/hook.out/*
	run cdi_runtime run --bundle "$BUNDLE" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "/dev/nvidia1 character special file c3:1 666"
	assert_contains "/dev/example0 character special file c3:1 600"
	assert_contains example
	assert_contains eth-0
}

@test "gpu: an unknown device fails before anything is created" {
	requires_runtime capsule
	id=$(ctr_id)
	set_cmd true
	rm -f "$FAKE"/hook.out/*
	run cdi_runtime run --bundle "$BUNDLE" --device nvidia.com/gpu=7 "$id"
	[ "$status" -ne 0 ]
	assert_contains "unresolvable CDI device nvidia.com/gpu=7"
	run cdi_runtime run --bundle "$BUNDLE" --device nvidia.com/gpu "$id"
	[ "$status" -ne 0 ]
	assert_contains "is not a CDI device name"
	[ ! -e "$STATE_ROOT/$id" ]
	[ ! -e "$FAKE/hook.out/state.json" ]
	for m in $(cgroup_mounts); do [ ! -d "$m$CG_PARENT/$id" ]; done
}

@test "gpu: the device filter on the container's cgroup holds the injected node (host view)" {
	requires_runtime capsule
	command -v bpftool >/dev/null || skip "bpftool not installed"
	set_args sleep 100
	id=$(ctr_id)
	run_bg cdi_runtime create --bundle "$BUNDLE" --device nvidia.com/gpu=1 "$id"
	[ "$status" -eq 0 ]
	cg=$(jq -r .cgroup "$STATE_ROOT/$id/state.json")
	prog=$(bpftool -j cgroup show "$cg" | jq -r '.[] | select(.attach_type == "cgroup_device") | .id')
	[ -n "$prog" ]
	dump=$(bpftool prog dump xlated id "$prog")
	# major 195 (0xc3) is compared; a container without the device has no such rule
	grep -q '0xc3' <<<"$dump"
	runtime delete --force "$id"
	run_bg runtime create --bundle "$BUNDLE" "$id"
	cg=$(jq -r .cgroup "$STATE_ROOT/$id/state.json")
	prog=$(bpftool -j cgroup show "$cg" | jq -r '.[] | select(.attach_type == "cgroup_device") | .id')
	! bpftool prog dump xlated id "$prog" | grep -q '0xc3'
}

@test "gpu: in a user namespace the nodes are bind-mounted from the host" {
	requires_runtime capsule
	# The mapped root (host uid 100000) must reach the bundle and the fake nodes.
	chmod o+x "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR" \
		"$BATS_RUN_TMPDIR/file" "$BATS_FILE_TMPDIR"
	# ... and cannot create mount points in a rootfs owned by host root.
	mkdir -p "$ROOTFS/usr/bin" "$ROOTFS/usr/lib/x86_64-linux-gnu"
	touch "$ROOTFS/usr/bin/nvidia-smi" "$ROOTFS"/usr/lib/x86_64-linux-gnu/lib{cuda,nvidia-ml}.so.535.104.05
	update_config '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run_in "$(nodes /dev/nvidia0)"'; grep -c " /dev/nvidia0 " /proc/self/mountinfo; cat /dev/nvidia0 2>&1; true' \
		--device nvidia.com/gpu=0
	[ "$status" -eq 0 ]
	assert_contains "/dev/nvidia0 character special file c3:0 666"
	[ "${lines[1]}" = 1 ]
	assert_contains "can't open '/dev/nvidia0': No such device or address"
}

@test "gpu: --gpus all and --gpus N use discovery; gpu list shows it" {
	requires_runtime capsule
	export CAPSULE_GPU_ROOT=$FAKE
	run "$RUNTIME" gpu list
	[ "$status" -eq 0 ]
	assert_contains "nvidia.com/gpu=2"
	assert_contains "mount  /usr/lib/x86_64-linux-gnu/libcuda.so.1 <- $FAKE/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05"
	run_in 'ls /dev | grep nvidia | tr "\n" " "; echo; cat /usr/lib/x86_64-linux-gnu/libcuda.so.1 >/dev/null && echo lib ok; nvidia-smi; echo $NVIDIA_VISIBLE_DEVICES' --gpus all
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nvidia-uvm nvidia0 nvidia1 nvidia2 nvidiactl " ]
	assert_contains "lib ok"
	assert_contains "GPU 0: Fake GPU"
	assert_contains void
	run_in 'ls /dev | grep nvidia | tr "\n" " "' --gpus 2,0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nvidia-uvm nvidia0 nvidia2 nvidiactl " ]
	run_in true --gpus 5
	[ "$status" -ne 0 ]
	assert_contains 'GPU "5" not found'
	# gpu list --cdi writes a spec that --device accepts
	mkdir -p "$BATS_TEST_TMPDIR/gen"
	"$RUNTIME" gpu list --cdi >"$BATS_TEST_TMPDIR/gen/gpu.json"
	run "$RUNTIME" cdi validate "$BATS_TEST_TMPDIR/gen/gpu.json"
	[ "$status" -eq 0 ]
	assert_contains "ok, 4 device(s)"
}

@test "gpu: features reports CDI support" {
	requires_runtime capsule
	run "$RUNTIME" features
	[ "$status" -eq 0 ]
	[ "$(jq -r '.annotations["run.capsule.cdi.versions"]' <<<"$output")" = "0.3.0-1.1.0" ]
	[ "$(jq -r '.annotations["run.capsule.cdi.specDirs"]' <<<"$output")" = "/etc/cdi,/var/run/cdi" ]
	[ "$(jq -r '.annotations["run.capsule.cdi.annotationPrefix"]' <<<"$output")" = "cdi.k8s.io/" ]
}

@test "gpu: --gpus driver libraries are found by the container's loader without LD_LIBRARY_PATH" {
	requires_runtime capsule
	export CAPSULE_GPU_ROOT=$FAKE
	# glibc only (new files in the test's own rootfs dirs); libnvidia-ml comes from --gpus.
	for lib in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6; do
		[ -e "$lib" ] || skip "no $lib on this host"
		mkdir -p "$ROOTFS$(dirname "$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done
	run_in 'echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"; ls /etc/ld.so.cache 2>&1; nvidia-debugdump' --gpus 0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "LD_LIBRARY_PATH=" ]
	assert_contains "No such file or directory"
	assert_contains "GPU 0: Fake GPU via libnvidia-ml (42)"
	# without --gpus the binary and its library are absent
	run_in 'nvidia-debugdump'
	[ "$status" -ne 0 ]
}

@test "gpu: poststart and poststop hooks of a CDI device run at start and delete" {
	requires_runtime capsule
	d=$BATS_TEST_TMPDIR/cdi
	mkdir -p "$d"
	cat >"$d/hooks.yaml" <<-YAML
		cdiVersion: 0.5.0
		kind: example.com/hooked
		devices:
		- name: h
		  containerEdits:
		    hooks:
		    - {hookName: poststart, path: /bin/sh, args: [sh, -c, "cat >$BATS_TEST_TMPDIR/poststart.json"]}
		    - {hookName: poststop, path: /bin/sh, args: [sh, -c, "cat >$BATS_TEST_TMPDIR/poststop.json"]}
	YAML
	set_args sleep 100
	id=$(ctr_id)
	CDI_DIR=$d run_bg cdi_runtime create --bundle "$BUNDLE" --device example.com/hooked=h "$id"
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/poststart.json" ]
	runtime start "$id"
	wait_file "$BATS_TEST_TMPDIR/poststart.json"
	[ "$(jq -r .id "$BATS_TEST_TMPDIR/poststart.json")" = "$id" ]
	runtime delete --force "$id"
	wait_file "$BATS_TEST_TMPDIR/poststop.json"
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/poststop.json")" = stopped ]
	# The spec gone since create: delete warns and still removes the container.
	id=$(ctr_id)
	CDI_DIR=$d run_bg cdi_runtime create --bundle "$BUNDLE" --device example.com/hooked=h "$id"
	[ "$status" -eq 0 ]
	rm "$d/hooks.yaml"
	run "$RUNTIME" --root "$STATE_ROOT" delete --force "$id"
	[ "$status" -eq 0 ]
	assert_contains "unresolvable CDI device example.com/hooked=h"
	[ ! -e "$STATE_ROOT/$id" ]
}
