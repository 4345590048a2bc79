#!/usr/bin/env bats
# job/: `capsule job run|verify|check` -- reproducible jobs with provenance records.
#
# Image: tests/fixtures/make-job-image (busybox + GNU tar, created 2024-01-02T03:04:05Z).
# Every test has its own store ($CAPSULE_STORE), state root and work dir.

FIXTURES="$BATS_TEST_DIRNAME/../fixtures"
SDE=1704164645 # the image's creation time

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	export JOB_IMG="$BATS_FILE_TMPDIR/job-image"
	export JOB_DIGEST
	JOB_DIGEST=$("$FIXTURES/make-job-image" "$JOB_IMG")
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	CAPSULE=${CAPSULE:-${RUNTIME:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/capsule}}
	[ -x "$CAPSULE" ] || skip "no capsule binary (set \$CAPSULE)"
	"$CAPSULE" job --help >/dev/null 2>&1 || skip "$CAPSULE has no job command (capsule only)"
	export CAPSULE_STORE="$BATS_TEST_TMPDIR/store"
	export ROOT="$BATS_TEST_TMPDIR/state"
	W=$BATS_TEST_TMPDIR/w
	mkdir -p "$W/in/dir/sub"
	printf 'pear\napple\nfig\n' >"$W/in/fruit.txt"
	printf 'b\n' >"$W/in/dir/sub/b"
	printf 'a\n' >"$W/in/dir/a"
	"$CAPSULE" image import "$JOB_IMG" >/dev/null
	IMAGE="job:1@$JOB_DIGEST"
	cd "$W"
}

teardown() {
	for id in $(ls "$ROOT" 2>/dev/null); do "$CAPSULE" --root "$ROOT" delete -f "$id" 2>/dev/null || true; done
	if grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
		grep "$BATS_TEST_TMPDIR" /proc/self/mountinfo | awk '{print $5}' | xargs -r umount -l
	fi
}

job() { "$CAPSULE" --root "$ROOT" job "$@"; }

# sort, checksums and a reproducible tar of them
DETERMINISTIC='sort /inputs/fruit.txt > sorted.txt
find /inputs/dir -type f | sort | xargs cat > dir.txt
sha256sum sorted.txt dir.txt > SHA256SUMS
mkdir -p pkg && cp sorted.txt SHA256SUMS pkg/
/bin/tar --sort=name --mtime=@$SOURCE_DATE_EPOCH --owner=0 --group=0 --numeric-owner \
	--format=gnu -cf result.tar pkg'

run_det() { # OUT [extra flags]
	local out=$1; shift
	job run --image "$IMAGE" --input in/fruit.txt --input in/dir "$@" --output "$out" \
		-- sh -c "$DETERMINISTIC"
}

subjects() { jq -c '[.subject[] | [.name, .digest.sha256]]' "$1"; }

@test "job run: a deterministic job gives bit-identical outputs across two runs" {
	run run_det out1
	[ "$status" -eq 0 ]
	run run_det out2
	[ "$status" -eq 0 ]
	[ -s out1/result.tar ] && [ -s out1/SHA256SUMS ]
	cmp out1/result.tar out2/result.tar
	# the tar is byte-for-byte what SOURCE_DATE_EPOCH and --sort=name make it
	[ "$(tar -tvf out1/result.tar --utc | awk '{print $4" "$5}' | sort -u)" = "2024-01-02 03:04" ]
	[ "$(subjects out1.provenance.json)" = "$(subjects out2.provenance.json)" ]
	[ "$(jq -r '.subject | map(.name) | join(" ")' out1.provenance.json)" = \
		"SHA256SUMS dir.txt pkg/SHA256SUMS pkg/sorted.txt result.tar sorted.txt" ]
	[ "$(jq -r '.subject[] | select(.name=="result.tar") | .digest.sha256' out1.provenance.json)" = \
		"$(sha256sum out1/result.tar | cut -d' ' -f1)" ]
}

@test "job run: record validates against the in-toto Statement v1 / SLSA v1 shape" {
	run run_det out --env FOO=bar --cpus 1
	[ "$status" -eq 0 ]
	python3 - "$FIXTURES/provenance.schema.json" out.provenance.json <<-'PY'
	import json, sys, jsonschema
	jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
	PY
	r=out.provenance.json
	[ "$(jq -r ._type $r)" = https://in-toto.io/Statement/v1 ]
	[ "$(jq -r .predicateType $r)" = https://slsa.dev/provenance/v1 ]
	[ "$(jq -r '.predicate.buildDefinition.externalParameters.image' $r)" = "$IMAGE" ]
	[ "$(jq -c '.predicate.buildDefinition.externalParameters.env' $r)" = '["FOO=bar"]' ]
	[ "$(jq -r '.predicate.buildDefinition.externalParameters.inputs | map(.name) | join(",")' $r)" = fruit.txt,dir ]
	[ "$(jq -r '.predicate.buildDefinition.internalParameters.sourceDateEpoch' $r)" = $SDE ]
	[ "$(jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.name=="image") | .digest.sha256' $r)" = "${JOB_DIGEST#sha256:}" ]
	[ "$(jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.name=="inputs/fruit.txt") | .digest.sha256' $r)" = \
		"$(sha256sum in/fruit.txt | cut -d' ' -f1)" ]
	[ "$(jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.name=="inputs/dir/sub/b") | .uri' $r)" = "file://$W/in/dir/sub/b" ]
	[ "$(jq '[.predicate.buildDefinition.resolvedDependencies[] | select(.name | startswith("image-layer-"))] | length' $r)" -eq 1 ]
	[ "$(jq -r '.predicate.runDetails.byproducts[] | select(.name=="exitStatus") | .annotations.exitStatus' $r)" = 0 ]
	[ "$(jq -r '.predicate.runDetails.byproducts | map(.name) | join(",")' $r)" = exitStatus,stdout,stderr,config.json ]
	[[ "$(jq -r .predicate.runDetails.builder.id $r)" == https://capsule.invalid/builder/* ]]
	# a broken digest fails the schema (the check can fail)
	jq '.subject[0].digest.sha256 = "XYZ"' $r >bad.json
	run python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
		"$FIXTURES/provenance.schema.json" bad.json
	[ "$status" -ne 0 ]
}

@test "job verify: matching outputs pass; tampered, missing and extra files are named" {
	run run_det out
	[ "$status" -eq 0 ]
	run job verify out.provenance.json
	[ "$status" -eq 0 ]
	[[ "$output" == *"matches the record (6 file(s))"* ]]
	echo tampered >>out/sorted.txt
	rm out/dir.txt
	touch out/extra
	run job verify out.provenance.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"changed  sorted.txt"* ]]
	[[ "$output" == *"missing  dir.txt"* ]]
	[[ "$output" == *"extra    extra"* ]]
	[[ "$output" != *"result.tar"* ]]
}

@test "job verify --rerun: the job again from the record alone gives the same bits" {
	run run_det out
	[ "$status" -eq 0 ]
	cd /
	run "$CAPSULE" --root "$ROOT" job verify --rerun "$W/out.provenance.json" --output "$W/again"
	[ "$status" -eq 0 ]
	[[ "$output" == *"matches the record"* ]]
	cmp "$W/out/result.tar" "$W/again/result.tar"
}

@test "job verify --rerun: a changed or missing input is refused before running" {
	run run_det out
	[ "$status" -eq 0 ]
	echo kiwi >>in/fruit.txt
	run job verify --rerun out.provenance.json --output again
	[ "$status" -ne 0 ]
	[[ "$output" == *"input inputs/fruit.txt changed since the record was made"* ]]
	[ ! -e again ]
	rm in/dir/a
	printf 'pear\napple\nfig\n' >in/fruit.txt
	run job verify --rerun out.provenance.json --output again
	[ "$status" -ne 0 ]
	[[ "$output" == *"input inputs/dir/a is missing"* ]]
	[ ! -e again ]
}

@test "job run: an unpinned image is refused unless --allow-tag; the resolved digest is recorded" {
	run job run --image job:1 --output out -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--image job:1: not pinned by digest"* ]]
	[ ! -e out ] && [ ! -e out.provenance.json ]
	run job run --image job:1 --allow-tag --output out -- true
	[ "$status" -eq 0 ]
	[ "$(jq -r '.predicate.buildDefinition.resolvedDependencies[0].digest.sha256' out.provenance.json)" = "${JOB_DIGEST#sha256:}" ]
	# a digest the store does not have is refused before start
	run job run --image "job:1@sha256:$(printf '%064d' 0)" --output out2 -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"not in the store"* ]]
	[ ! -e out2 ]
}

@test "job run: a tampered image in the store is refused (digests verified as at import)" {
	m=$CAPSULE_STORE/images/sha256/${JOB_DIGEST#sha256:}/config.json
	sed -i 's/capsule-test/capsule-TEST/' "$m"
	run job run --image "$IMAGE" --output out -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json has digest"* ]]
	[ ! -e out.provenance.json ]
}

@test "job run: a missing input and a non-empty output dir are refused before start" {
	run job run --image "$IMAGE" --input in/nope --output out -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--input in/nope: No such file or directory"* ]]
	[ ! -e out ]
	run job run --image "$IMAGE" --user nobody --output out -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--user nobody: want UID[:GID] (numbers)"* ]]
	[ ! -e out ] # the output dir made for the job went again
	mkdir out && touch out/old
	run job run --image "$IMAGE" --output out -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"not empty"* ]]
}

@test "job run: deterministic environment; nothing from the caller's environment" {
	CALLER_SECRET=leak run job run --image "$IMAGE" --input in/fruit.txt --input named=in/dir \
		--env EXTRA=1 --output out -- sh -c '
		env | sort > env; hostname > hostname; domainname > domainname 2>/dev/null || cat /proc/sys/kernel/domainname > domainname
		umask > umask; pwd > pwd; id > id
		touch /etc/x 2>/dev/null && echo rw > rootfs || echo ro > rootfs
		touch /inputs/fruit.txt 2>/dev/null && echo rw > inputs || echo ro > inputs
		touch /tmp/x && echo rw > tmp; ls /inputs > inputs.ls; ls /sys/class/net > net
		ip -o link show lo > lo; nc 127.0.0.1 9 </dev/null 2> connect
		grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status > status; ulimit -n > nofile; ulimit -c > core'
	[ "$status" -eq 0 ]
	! grep -q CALLER_SECRET out/env
	grep -qx TZ=UTC out/env
	grep -qx LC_ALL=C.UTF-8 out/env
	grep -qx HOME=/tmp out/env
	grep -qx SOURCE_DATE_EPOCH=$SDE out/env
	grep -qx EXTRA=1 out/env
	grep -qx IMAGE=capsule-test out/env
	[ "$(cat out/hostname)" = capsule-job ]
	[ "$(cat out/domainname)" = capsule ]
	[ "$(cat out/umask)" = 0022 ]
	[ "$(cat out/pwd)" = /output ]
	[ "$(cat out/id)" = "uid=0(root) gid=0(root)" ]
	[ "$(cat out/rootfs)" = ro ] && [ "$(cat out/inputs)" = ro ] && [ "$(cat out/tmp)" = rw ]
	[ "$(cat out/inputs.ls | tr '\n' ' ')" = "fruit.txt named " ]
	[ "$(cat out/net)" = lo ]
	grep -q "LOOPBACK,UP" out/lo
	grep -q "Connection refused" out/connect # not "Network is unreachable": lo is up
	grep -qx $'NoNewPrivs:\t1' out/status
	grep -qx $'Seccomp:\t2' out/status
	[ "$(cat out/nofile)" = 1024 ] && [ "$(cat out/core)" = 0 ]
	# --env SOURCE_DATE_EPOCH wins over the image's date; --user and --workdir
	run job run --image "$IMAGE" --env SOURCE_DATE_EPOCH=42 --user 1000:1000 --workdir /tmp \
		--output out2 -- sh -c 'echo $SOURCE_DATE_EPOCH > /output/sde; id -u > /output/uid; pwd > /output/pwd'
	[ "$status" -eq 0 ]
	[ "$(cat out2/sde)" = 42 ] && [ "$(cat out2/uid)" = 1000 ] && [ "$(cat out2/pwd)" = /tmp ]
	[ "$(jq .predicate.buildDefinition.internalParameters.sourceDateEpoch out2.provenance.json)" = 42 ]
}

@test "job run: exit status passes through, stdout/stderr stream and are hashed; record on failure" {
	run job run --image "$IMAGE" --output out -- sh -c 'echo to-out; echo to-err >&2; touch /output/partial; exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" == *to-out* ]] && [[ "$output" == *to-err* ]]
	r=out.provenance.json
	[ "$(jq -r '.predicate.runDetails.byproducts[] | select(.name=="exitStatus") | .annotations.exitStatus' $r)" = 7 ]
	[ "$(jq -r '.predicate.runDetails.byproducts[] | select(.name=="stdout") | .digest.sha256' $r)" = \
		"$(echo to-out | sha256sum | cut -d' ' -f1)" ]
	[ "$(jq -r '.predicate.runDetails.byproducts[] | select(.name=="stderr") | .digest.sha256' $r)" = \
		"$(echo to-err | sha256sum | cut -d' ' -f1)" ]
	[ "$(jq -r '.subject[0].name' $r)" = partial ]
	# nothing of the job is left behind
	[ -z "$(ls "$ROOT" | grep -v '^\.' || true)" ]
	[ -z "$(ls "$ROOT/.image-bundles" 2>/dev/null || true)" ]
}

@test "job run: --cpus N pins N CPUs (nproc), recorded with how" {
	run job run --image "$IMAGE" --cpus 1 --output out -- sh -c 'nproc > /output/n; grep Cpus_allowed_list /proc/self/status > /output/c'
	[ "$status" -eq 0 ]
	[ "$(cat out/n)" = 1 ]
	[ "$(jq -r .predicate.buildDefinition.internalParameters.cpuList out.provenance.json)" != "" ]
	[[ "$(jq -r .predicate.buildDefinition.internalParameters.cpuPinning out.provenance.json)" == *"CPU affinity"* ]]
	run job run --image "$IMAGE" --cpus 4096 --output out2 -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--cpus 4096: only"* ]]
}

@test "job run: --memory on a hybrid cgroup host is refused with a clear message" {
	[ ! -f /sys/fs/cgroup/cgroup.controllers ] || skip "pure cgroup v2 host (run-job-vm covers --memory)"
	run job run --image "$IMAGE" --memory 64M --output out -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"memory limit requested but the cgroup v2 controller \"memory\" is not available"* ]]
	run job run --image "$IMAGE" --memory lots --output out2 -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--memory lots: want a size such as 512M or 2G"* ]]
}

@test "job check: hostname, date, \$RANDOM, nproc and env order are flagged with the right variation" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs to vary the CPU count"
	run job check --image "$IMAGE" --input in/fruit.txt -- sh -c '
		sort /inputs/fruit.txt > sorted; hostname > host; date +%s > date
		echo $RANDOM > random; nproc > nproc; ls -a /tmp > tmp; stat -c %i /inputs/fruit.txt > inode'
	echo "$output"
	[ "$status" -eq 1 ]
	flagged() { # variation file: the file is listed under that variation only
		awk -v v="$1" '/^[a-z]/{cur=$1} /^    /{print cur, $2}' <<<"$output" | grep -qx "$1 $2"
		[ "$(awk '/^    /{print $2}' <<<"$output" | grep -cx "$2")" -eq 1 ]
	}
	flagged hostname host
	flagged clock date
	flagged run-to-run random
	flagged cpus nproc
	flagged tmp-layout tmp
	flagged input-paths inode
	! grep -q '    changed  sorted' <<<"$output"
	# env order: a command that prints its environment as given
	run job check --image "$IMAGE" -- env
	[ "$status" -eq 1 ]
	[[ "$output" == *"env-order    DIFFERS"* ]]
	[[ "$output" == *"changed  (stdout)"* ]]
}

@test "job check: a deterministic job passes every variation" {
	run job check --image "$IMAGE" --input in/fruit.txt --input in/dir -- sh -c "$DETERMINISTIC"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no variation changed the outputs"* ]]
	[ "$(grep -c ' same ' <<<"$output")" -eq 7 ]
}
