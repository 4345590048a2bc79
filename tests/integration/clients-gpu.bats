#!/usr/bin/env bats
# CDI devices through real engines, on the fake NVIDIA host of gpu.bats
# (tests/fixtures/make-fake-gpu):
#   podman 4.3 `--device vendor/class=name` resolves CDI itself and hands the
#     runtime a plain config (nodes, mounts, env, hooks already in it);
#   containerd 1.6 `ctr run --annotation cdi.k8s.io/...=NAME` leaves the request
#     to the runtime, which resolves it from /etc/cdi.
# Neither podman 4.3 nor a runtime under the shim takes a spec dir option, so the
# spec goes to /etc/cdi under a name and kind unique to this run, removed in
# teardown_file.  The same assertions as gpu.bats, from inside the container.

bats_require_minimum_version 1.5.0
load clients-helpers

setup_file() {
	cl_setup_file || return 1
	export FAKE=$CL_TMP/fake
	"$CL_FIXTURES/make-fake-gpu" "$FAKE"
	chmod o+x "$CL_TMP"
	export CL_KIND=capsule-test-$$-$RANDOM.example.com/gpu
	export CL_SPEC=/etc/cdi/$CL_UNIQ.yaml
	[ -d /etc/cdi ] || { mkdir /etc/cdi && touch "$CL_TMP/made-etc-cdi"; }
	sed "s|^kind: .*|kind: $CL_KIND|" "$FAKE/cdi/nvidia.yaml" >"$CL_SPEC"
}

teardown_file() {
	[ -n "${CL_SPEC:-}" ] && rm -f "$CL_SPEC"
	[ -f "${CL_TMP:-/nonexistent}/made-etc-cdi" ] && { rmdir /etc/cdi 2>/dev/null || true; }
	cl_teardown_file
}

# What the container runs: nodes, opens, env, library mount.
probe='stat -c "%n %F %t:%T %a" /dev/nvidia0 /dev/nvidiactl; cat /dev/nvidia0 2>&1; cat /nv2 2>&1;
	ls /dev/nvidia1 2>&1; echo "env=$NVIDIA_VISIBLE_DEVICES";
	grep -c " /usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05 ro,nosuid,nodev" /proc/self/mountinfo; true'

check_probe() {
	echo "$output"
	assert_has "/dev/nvidia0 character special file c3:0 666"
	assert_has "/dev/nvidiactl character special file c3:ff 666"
	assert_has "can't open '/dev/nvidia0': No such device or address"
	assert_has "can't open '/nv2': Operation not permitted"
	assert_has "/dev/nvidia1: No such file or directory"
	assert_has "env=void"
	[ "$(jq -r .id "$FAKE/hook.out/state.json")" != null ]
	[ "$(cat "$FAKE/hook.out/root-has-sh")" = yes ]
	[ "$(cat "$FAKE/hook.out/proc")" = yes ]
}

assert_has() { grep -qF -- "$1" <<<"$output" || { echo "missing: $1" >&2; return 1; }; }

@test "podman --device resolves CDI; capsule runs the edited config" {
	need_podman
	rm -f "$FAKE"/hook.out/*
	run -0 podmanc run --rm $(cl_podman_run_opts) --device "$CL_KIND=0" \
		--mount "type=bind,src=$FAKE/dev/nvidia2,dst=/nv2" "$CL_PODMAN_IMAGE" sh -c "$probe"
	check_probe
	[ "${lines[-1]}" = 1 ]
}

@test "containerd: cdi.k8s.io annotation resolved by capsule" {
	need_ctd
	local id
	id=$(uniq_name cdi)
	rm -f "$FAKE"/hook.out/*
	run -0 ctrc run $(cl_ctd_run_opts "$id") --rm --annotation "cdi.k8s.io/test=$CL_KIND=0" \
		--mount "type=bind,src=$FAKE/dev/nvidia2,dst=/nv2,options=rbind:rw" \
		"$CL_IMAGE" "$id" sh -c "$probe"
	check_probe
	[ "${lines[-1]}" = 1 ]
}
