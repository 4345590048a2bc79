#!/usr/bin/env bats
# overlay/: layer store (`capsule image ...`) and overlay root filesystems.
#
# Binary: $CAPSULE, else $RUNTIME, else the repository's ./capsule.  Every test uses its own store
# (--store and $CAPSULE_STORE, which create/run/delete read too).  Tests marked "runtime"
# need `capsule run`; the others use `capsule image try` (prepare + overlay_mount + chroot,
# no runtime), so the store and mount logic is checked on its own.

FIXTURES="$BATS_TEST_DIRNAME/../fixtures"

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	export IMGDIR="$BATS_FILE_TMPDIR/images"
	mkdir -p "$IMGDIR"
	"$FIXTURES/make-oci-image" --name test:latest --tar "$IMGDIR/test.tar" "$IMGDIR/test" >/dev/null
	"$FIXTURES/make-oci-image" --name a:1 --variant A "$IMGDIR/a" >/dev/null
	"$FIXTURES/make-oci-image" --name b:1 --variant B "$IMGDIR/b" >/dev/null
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	CAPSULE=${CAPSULE:-${RUNTIME:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/capsule}}
	[ -x "$CAPSULE" ] || skip "no capsule binary (set \$CAPSULE)"
	export STORE="$BATS_TEST_TMPDIR/store"
	export CAPSULE_STORE="$STORE"
	export ROOT="$BATS_TEST_TMPDIR/state"
}

teardown() {
	for id in $(ls "$ROOT" 2>/dev/null); do "$CAPSULE" --root "$ROOT" delete -f "$id" 2>/dev/null || true; done
	# Nothing of a test may stay mounted.
	if [ -n "${STORE:-}" ] && grep -q "$STORE" /proc/self/mountinfo; then
		grep "$STORE" /proc/self/mountinfo | awk '{print $5}' | xargs -r umount -l
	fi
}

img() { "$CAPSULE" image --store "$STORE" "$@"; }

need_runtime() {
	"$CAPSULE" --version >/dev/null 2>&1 && "$CAPSULE" run --help >/dev/null 2>&1 ||
		skip "runtime (capsule run) not available"
}

manifest_of() { jq -r '.manifests[0].digest' "$1/index.json"; }
layer_digest() { # layout index -> blob hex of that layer
	local m; m=$(manifest_of "$1" | cut -d: -f2)
	jq -r ".layers[$2].digest" "$1/blobs/sha256/$m" | cut -d: -f2
}
store_entries() { find "$STORE" -mindepth 3 -not -path "$STORE/tmp*" 2>/dev/null | wc -l; }

@test "import: OCI layout dir; ls, inspect" {
	run img import "$IMGDIR/test"
	[ "$status" -eq 0 ]
	[ "$output" = "$(manifest_of "$IMGDIR/test")" ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 2 ]
	run img ls
	[[ "$output" == *"test:latest"* ]]
	run img inspect test:latest
	[ "$status" -eq 0 ]
	[ "$(jq -r '.layers | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.config.config.Cmd[0]' <<<"$output")" = sh ]
	# by config digest too
	cfg=$(jq -r '.manifest.config.digest' <<<"$output")
	run img inspect "$cfg"
	[ "$status" -eq 0 ]
}

@test "import: tar archive of a layout; importing again is a no-op" {
	run img import "$IMGDIR/test.tar"
	[ "$status" -eq 0 ]
	run img import "$IMGDIR/test.tar"
	[ "$status" -eq 0 ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 2 ]
	[ -z "$(ls "$STORE/tmp")" ]
}

@test "import: layers keep owners, modes, hardlinks, devices, xattrs; whiteouts converted" {
	img import "$IMGDIR/test"
	top=$(jq -r '.layers[1].path' <<<"$(img inspect test:latest)")
	[ "$(stat -c '%u:%g %a' "$top/srv/suid")" = "1000:1000 4755" ]
	[ "$(stat -c '%h' "$top/etc/layer2")" = 2 ]
	[ "$(stat -c '%F %t:%T' "$top/srv/null")" = "character special file 1:3" ]
	[ "$(stat -c '%F' "$top/srv/fifo")" = "fifo" ]
	[ "$(stat -c '%F %t:%T' "$top/lower/gone")" = "character special file 0:0" ]
	[ ! -e "$top/lower/.wh.gone" ]
	[ ! -e "$top/opq/.wh..wh..opq" ]
	python3 -c 'import os,sys; a=os.getxattr(sys.argv[1],"trusted.overlay.opaque"); b=os.getxattr(sys.argv[1],"user.overlay.opaque"); assert a==b==b"y"' "$top/opq"
	python3 -c 'import os,sys; assert os.getxattr(sys.argv[1],"user.capsule")==b"test"' "$top/srv/xattr"
}

@test "whiteouts and opaque dirs hide lower files" {
	img import "$IMGDIR/test"
	run img try test:latest c1 sh -c 'ls /lower; echo --; ls -A /opq'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'keep\n--\nc')" ]
}

@test "tampered, truncated or mis-sized blobs are refused and leave nothing behind" {
	cp -r "$IMGDIR/test" "$BATS_TEST_TMPDIR/t1"
	b=$(layer_digest "$BATS_TEST_TMPDIR/t1" 0)
	printf 'Z' | dd of="$BATS_TEST_TMPDIR/t1/blobs/sha256/$b" bs=1 seek=3000 conv=notrunc 2>/dev/null
	run img import "$BATS_TEST_TMPDIR/t1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"digest mismatch"* ]]
	[ "$(store_entries)" -eq 0 ]
	[ -z "$(ls "$STORE/tmp")" ]

	cp -r "$IMGDIR/test" "$BATS_TEST_TMPDIR/t2"
	truncate -s 1000 "$BATS_TEST_TMPDIR/t2/blobs/sha256/$(layer_digest "$BATS_TEST_TMPDIR/t2" 1)"
	run img import "$BATS_TEST_TMPDIR/t2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"size 1000"* ]]
	[ "$(store_entries)" -eq 0 ]

	head -c 300000 "$IMGDIR/test.tar" >"$BATS_TEST_TMPDIR/trunc.tar"
	run img import "$BATS_TEST_TMPDIR/trunc.tar"
	[ "$status" -ne 0 ]
	[ "$(store_entries)" -eq 0 ]
	[ -z "$(ls "$STORE/tmp")" ]
}

@test "layer entries escaping the layer root are refused" {
	command -v python3 >/dev/null || skip "python3 needed to write hostile tars"
	cd "$BATS_TEST_TMPDIR"
	python3 - <<'PY'
import tarfile, io
def mk(path, entries):
    with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as t:
        for kind, name, arg in entries:
            ti = tarfile.TarInfo(name)
            if kind == 'file':
                ti.size = len(arg); t.addfile(ti, io.BytesIO(arg)); continue
            ti.type = {'dir': tarfile.DIRTYPE, 'sym': tarfile.SYMTYPE, 'hard': tarfile.LNKTYPE}[kind]
            ti.linkname = arg or ''
            t.addfile(ti)
mk('dotdot.tar', [('file', '../escape', b'x')])
mk('abs.tar', [('file', '/tmp/capsule-abs-escape', b'x')])
mk('symparent.tar', [('sym', 'link', '/tmp'), ('file', 'link/capsule-sym-escape', b'x')])
mk('symrel.tar', [('dir', 'a', None), ('sym', 'a/up', '../..'), ('file', 'a/up/rel-escape', b'x')])
mk('hard.tar', [('hard', 'h', '../../etc/passwd')])
PY
	for t in dotdot abs symparent symrel hard; do
		"$FIXTURES/make-oci-image" --layer "$t.tar" "L-$t" >/dev/null
		run img import "L-$t"
		[ "$status" -ne 0 ]
		[[ "$output" == *"escapes"* || "$output" == *"symlink"* ]] || { echo "$t: $output"; false; }
	done
	[ ! -e /tmp/capsule-abs-escape ] && [ ! -e /tmp/capsule-sym-escape ]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ] && [ ! -e "$BATS_TEST_TMPDIR/rel-escape" ]
	[ "$(store_entries)" -eq 0 ]
}

@test "concurrent imports of two images sharing layers store them once" {
	for i in 1 2 3; do
		img import "$IMGDIR/a" >/dev/null &
		img import "$IMGDIR/b" >/dev/null &
	done
	wait
	# base + changes shared, one variant layer each
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 4 ]
	[ -z "$(ls "$STORE/tmp")" ]
	run img ls -q
	[ "$(wc -l <<<"$output")" -eq 2 ]
}

@test "writes land in the container's upper dir only" {
	img import "$IMGDIR/test"
	img try --keep-upper test:latest w1 sh -c 'echo mine > /etc/passwd; echo new > /root/new'
	run img try test:latest w2 sh -c 'cat /root/new 2>&1; grep -c root /etc/passwd'
	[[ "$output" == *"No such file"* ]]
	[[ "$output" == *1* ]]
	[ "$(cat "$STORE/containers/w1/upper/root/new")" = new ]
	# the store's layers are untouched
	[ -z "$(grep -l mine "$STORE/layers/sha256"/*/etc/passwd)" ]
	[ -z "$(find "$STORE/layers" -name new)" ]
}

@test "cleanup leaves no mount and no upper dir; keep-upper keeps it" {
	img import "$IMGDIR/test"
	img try test:latest d1 true
	[ ! -e "$STORE/containers/d1" ]
	[ -z "$(grep "$STORE" /proc/self/mountinfo)" ]
	img try --keep-upper test:latest d2 touch /kept
	[ -e "$STORE/containers/d2/upper/kept" ]
	[ ! -e "$STORE/containers/d2/work" ]
}

@test "image try: a command that cannot run is reported, and nothing is left" {
	img import "$IMGDIR/test"
	run img try test:latest f1 /no/such/program
	[ "$status" -eq 125 ]
	[[ "$output" == *"image try: exec /no/such/program: No such file or directory"* ]]
	[ ! -e "$STORE/containers/f1" ]
	[ -z "$(grep "$STORE" /proc/self/mountinfo)" ]
}

@test "volatile: when the upper dir is thrown away or the container is ephemeral" {
	img import "$IMGDIR/test"
	root_line='mount -t proc proc /proc && grep " / " /proc/self/mountinfo'
	run img try test:latest e0 sh -c "$root_line"
	[ "$status" -eq 0 ]
	[[ "$output" == *volatile* ]]
	# a kept upper dir is synced at unmount, unless the container is marked ephemeral
	run img try --keep-upper test:latest e1 sh -c "$root_line"
	[ "$status" -eq 0 ]
	[[ "$output" == *overlay* ]]
	[[ "$output" != *volatile* ]]
	run img try --keep-upper --ephemeral test:latest e2 sh -c "$root_line"
	[ "$status" -eq 0 ]
	[[ "$output" == *volatile* ]]
}

@test "user namespace: userxattr, idmapped layers, writes owned by the container's root" {
	# the container's root must be able to search every directory above the store
	mkdir -m 700 "$BATS_TEST_TMPDIR/private"
	export STORE="$BATS_TEST_TMPDIR/private/store" CAPSULE_STORE="$BATS_TEST_TMPDIR/private/store"
	img import "$IMGDIR/test"
	run img try --userns 200000 test:latest u0 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"not searchable"* ]]
	STORE=$(mktemp -d /var/tmp/capsule-overlay-bats.XXXXXX)
	chmod 711 "$STORE"
	export CAPSULE_STORE=$STORE
	img import "$IMGDIR/test"
	run img try --keep-upper --userns 200000 test:latest u1 sh -c \
		'stat -c "%u:%g" /etc/passwd /srv/suid; ls /lower; ls -A /opq; echo x > /etc/new; rm /opq/c'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0:0\n1000:1000\nkeep\nc')" ]
	[ "$(stat -c %u:%g "$STORE/containers/u1/upper/etc/new")" = 200000:200000 ]
	[ "$(stat -c '%F %t:%T' "$STORE/containers/u1/upper/opq/c")" = "character special file 0:0" ]
	[ -z "$(grep "$STORE" /proc/self/mountinfo)" ]
	img rm-container u1
	[ ! -e "$STORE/containers/u1" ]
	rm -rf "$STORE"
}

@test "gc removes only unreferenced layers" {
	img import "$IMGDIR/a" >/dev/null
	img import "$IMGDIR/b" >/dev/null
	img try --keep-upper a:1 kept true
	img rm a:1
	img rm b:1
	run img gc
	[ "$status" -eq 0 ]
	# a's layers are still named by the kept container's record; b's variant layer went
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	rm -rf "$STORE/containers/kept"
	img gc
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 0 ]
}

@test "bundle from image: args, env, cwd, annotation" {
	img import "$IMGDIR/test"
	img bundle test:latest "$BATS_TEST_TMPDIR/bundle" echo hi
	c="$BATS_TEST_TMPDIR/bundle/config.json"
	[ "$(jq -c .process.args "$c")" = '["echo","hi"]' ]
	[ "$(jq -r .process.cwd "$c")" = /root ]
	jq -e '.process.env | index("IMAGE=capsule-test")' "$c"
	[ "$(jq -r '.annotations["org.capsule.image"]' "$c")" = "$(manifest_of "$IMGDIR/test")" ]
	run img bundle test:latest "$BATS_TEST_TMPDIR/bundle"
	[ "$status" -ne 0 ] # config.json exists
}

# --- runtime (create/run/delete wired to overlay/) ---

@test "runtime: run from an image; writes invisible to another container and the store" {
	need_runtime
	img import "$IMGDIR/test"
	img bundle test:latest "$BATS_TEST_TMPDIR/b1" sh -c 'echo one > /root/f; cat /root/f; ls /lower'
	run "$CAPSULE" --root "$ROOT" run --bundle "$BATS_TEST_TMPDIR/b1" r1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\nkeep')" ]
	img bundle test:latest "$BATS_TEST_TMPDIR/b2" sh -c 'cat /root/f 2>&1 || true'
	run "$CAPSULE" --root "$ROOT" run --bundle "$BATS_TEST_TMPDIR/b2" r2
	[[ "$output" == *"No such file"* ]]
	[ -z "$(find "$STORE/layers" -path '*/root/f')" ]
}

@test "runtime: run --image builds the bundle under the state root; delete removes it" {
	need_runtime
	img import "$IMGDIR/test"
	run "$CAPSULE" --root "$ROOT" run --image test:latest ri1 sh -c 'echo from-image'
	[ "$status" -eq 0 ]
	[ "$output" = from-image ]
	[ ! -e "$ROOT/.image-bundles/ri1" ]
	# detached: the bundle lives until delete, which removes it with the upper dir
	"$CAPSULE" --root "$ROOT" run -d --image test:latest ri2 sleep 100 </dev/null >/dev/null 2>&1
	[ "$("$CAPSULE" --root "$ROOT" state ri2 | jq -r .bundle)" = "$ROOT/.image-bundles/ri2" ]
	[ -f "$ROOT/.image-bundles/ri2/config.json" ]
	"$CAPSULE" --root "$ROOT" delete -f ri2
	[ ! -e "$ROOT/.image-bundles/ri2" ]
	[ ! -e "$STORE/containers/ri2" ]
	# the same with a relative --root
	(cd "$(dirname "$ROOT")" && "$CAPSULE" --root "$(basename "$ROOT")" run -d --image test:latest ri3 sleep 100 \
		</dev/null >/dev/null 2>&1 && "$CAPSULE" --root "$(basename "$ROOT")" delete -f ri3)
	[ ! -e "$ROOT/.image-bundles/ri3" ]
}

@test "runtime: delete leaves no mount and no upper dir" {
	need_runtime
	img import "$IMGDIR/test"
	img bundle test:latest "$BATS_TEST_TMPDIR/b" sleep 100
	"$CAPSULE" --root "$ROOT" create --bundle "$BATS_TEST_TMPDIR/b" del1
	[ -d "$STORE/containers/del1/upper" ]
	"$CAPSULE" --root "$ROOT" delete -f del1
	[ ! -e "$STORE/containers/del1" ]
	[ -z "$(grep "$STORE" /proc/self/mountinfo)" ]
}

@test "runtime: keep-upper annotation keeps the changes" {
	need_runtime
	img import "$IMGDIR/test"
	img bundle test:latest "$BATS_TEST_TMPDIR/b" touch /changed
	jq '.annotations["org.capsule.keep-upper"] = "true"' "$BATS_TEST_TMPDIR/b/config.json" >"$BATS_TEST_TMPDIR/c.json"
	mv "$BATS_TEST_TMPDIR/c.json" "$BATS_TEST_TMPDIR/b/config.json"
	"$CAPSULE" --root "$ROOT" run --bundle "$BATS_TEST_TMPDIR/b" keep1
	[ -e "$STORE/containers/keep1/upper/changed" ]
}

@test "runtime: run --image gets capsule spec's defaults (seccomp profile, masked paths, devices)" {
	# Before: the image bundle had its own copy of the defaults, drifted to
	# no seccomp profile (Seccomp: 0), one masked path fewer, no device rule.
	need_runtime
	img import "$IMGDIR/test"
	img bundle test:latest "$BATS_TEST_TMPDIR/b" true
	(cd "$BATS_TEST_TMPDIR" && "$CAPSULE" spec)
	[ "$(jq -S '{linux, mounts, ociVersion}' "$BATS_TEST_TMPDIR/b/config.json")" = \
		"$(jq -S '{linux, mounts, ociVersion}' "$BATS_TEST_TMPDIR/config.json")" ]
	run "$CAPSULE" --root "$ROOT" run --image test:latest ri9 grep Seccomp: /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^Seccomp:[[:space:]]+2$ ]]
}

@test "runtime: a discarded upper dir lives on a tmpfs in the container's namespace; keep-upper on disk" {
	need_runtime
	img import "$IMGDIR/test"
	img bundle test:latest "$BATS_TEST_TMPDIR/b" sh -c \
		'grep " / " /proc/self/mountinfo; echo data > /written; cat /written; stat -c %a /; sleep 100'
	"$CAPSULE" --root "$ROOT" run -d --bundle "$BATS_TEST_TMPDIR/b" tmp1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	for _ in $(seq 100); do grep -qx 755 "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	cat "$BATS_TEST_TMPDIR/out"
	grep -q "upperdir=$STORE/containers/tmp1/upper/upper,workdir=$STORE/containers/tmp1/upper/work" "$BATS_TEST_TMPDIR/out"
	grep -qx data "$BATS_TEST_TMPDIR/out"
	# The host sees neither the tmpfs nor the write, and no work dir on disk.
	[ -d "$STORE/containers/tmp1/upper" ]
	[ -z "$(ls -A "$STORE/containers/tmp1/upper")" ]
	[ ! -e "$STORE/containers/tmp1/work" ]
	! grep -q "$STORE" /proc/self/mountinfo
	"$CAPSULE" --root "$ROOT" delete -f tmp1
	[ ! -e "$STORE/containers/tmp1" ]
	# keep-upper: upper and work on disk, as before.
	jq '.annotations["org.capsule.keep-upper"] = "true" | .process.args = ["sh", "-c", "grep \" / \" /proc/self/mountinfo; touch /kept"]' \
		"$BATS_TEST_TMPDIR/b/config.json" >"$BATS_TEST_TMPDIR/c.json"
	mv "$BATS_TEST_TMPDIR/c.json" "$BATS_TEST_TMPDIR/b/config.json"
	run "$CAPSULE" --root "$ROOT" run --bundle "$BATS_TEST_TMPDIR/b" tmp2
	echo "$output"
	[[ "$output" == *"upperdir=$STORE/containers/tmp2/upper,workdir=$STORE/containers/tmp2/work"* ]]
	[ -e "$STORE/containers/tmp2/upper/kept" ]
}
