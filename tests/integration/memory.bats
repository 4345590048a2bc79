#!/usr/bin/env bats
# memory/: `memory status`, the org.capsule.memory.* controls, `memory watch`.
# Run by tests/integration/run-memory (`make test-memory`), in the pure cgroup
# v2 VM with a zram swap device and ksmd running (the runner sets them up):
#   ../shared/vmtest/vm-run --mem 2G -- make test-memory
# On a hybrid host (cgroup2 without the memory controller) only the tests
# marked "hybrid" run; the VM tests skip there, and the other way round.
#
# Containers run tests/fixtures/memhog TOTAL DUP HOT (MiB): DUP identical pages,
# the rest unique, HOT touched in a loop; HOT 0 means idle.

load helpers

pure_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }
need_vm() {
	pure_v2 && [ -n "$(swapon --show=NAME --noheadings 2>/dev/null | grep zram)" ] ||
		skip "needs the pure cgroup v2 VM with zram swap (run-memory)"
}
need_hybrid() { pure_v2 && skip "needs a hybrid cgroup host"; return 0; }

# Tests named "... [vm]" or "... [hybrid]" skip before the bundle is built
# (under TCG a setup costs seconds); "[host]" ones check nothing kernel
# specific and run only outside the VM, to keep the VM suite short.
eval "helpers_$(declare -f setup)"
setup() {
	case "$BATS_TEST_DESCRIPTION" in
	*"[vm]") need_vm ;;
	*"[hybrid]") need_hybrid ;;
	*"[host]") [ ! -d /run/vmtest ] || skip "host-independent: runs in the host suite (memory-host)" ;;
	esac
	helpers_setup
}

# hog ARGS...: the bundle runs memhog ARGS (the fixture binary copied in).
hog() {
	cp "$FIXTURES/memhog" "$ROOTFS/bin/memhog"
	set_args /bin/memhog "$@"
}
cg_of() { jq -r .cgroup "$STATE_ROOT/$1/state.json"; }
current_of() { cat "$(cg_of "$1")/memory.current"; }
status_json() { runtime memory status --format json "$@"; }
annotate() { update_config ".annotations[\"$1\"] = \"$2\""; }

# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# start_watch ARGS...: `memory watch` in the background, JSON lines in $WATCH_OUT.
start_watch() {
	WATCH_OUT=$BATS_TEST_TMPDIR/watch.out WATCH_ERR=$BATS_TEST_TMPDIR/watch.err
	"$RUNTIME" --root "$STATE_ROOT" --debug memory watch "$@" >"$WATCH_OUT" 2>"$WATCH_ERR" </dev/null &
	WATCH_PID=$!
}
stop_watch() {
	kill -TERM "$WATCH_PID"
	local rc=0
	wait "$WATCH_PID" || rc=$?
	WATCH_PID=
	return $rc
}
# run_filled_then_watch BYTES SECONDS: run the bundle as a reclaim=auto container
# ($id) until its memory.current passes BYTES ($c0 then), then start the watch.
run_filled_then_watch() {
	local want=$1
	id=$(ctr_id)
	annotate org.capsule.memory.reclaim auto
	run_detached_ok "$id"
	filled() { [ "$(current_of "$id")" -gt "$want" ]; }
	wait_until "$2" filled
	c0=$(current_of "$id")
	start_watch --interval 0.5 --psi-target 10
}
# every_event TYPE COND: $WATCH_OUT has events of TYPE and COND (jq) holds
# for each (jq -e alone judges only the last input line).
every_event() {
	jq -s -e --arg t "$1" "[.[] | select(.type == \$t)] | length > 0 and all($2)" "$WATCH_OUT" >/dev/null
}
# refute CMD...: CMD must fail (a bare `! cmd` never fails a bats test).
refute() { ! "$@"; }
test_teardown() { [ -z "${WATCH_PID:-}" ] || kill -KILL "$WATCH_PID" 2>/dev/null || true; }

@test "memory status: container and host fields, JSON keys pinned, table [vm]" {
	hog 16 0 0
	id=$(ctr_id)
	annotate org.capsule.memory.reclaim auto
	run_detached_ok "$id"
	wait_until 20 bash -c "[ \$(cat $(cg_of "$id")/memory.current) -gt 16000000 ]"
	run status_json
	[ "$status" -eq 0 ]
	c=$(jq -c '.containers[0]' <<<"$output")
	[ "$(jq -c 'keys' <<<"$c")" = '["events","id","ksm","memory","psi","reclaim","stat","swap","unavailable","zswap"]' ]
	[ "$(jq -c '.memory | keys' <<<"$c")" = '["current","high","low","max","min","peak"]' ]
	[ "$(jq -c '.stat | keys' <<<"$c")" = '["anon","file","shmem"]' ]
	[ "$(jq -c '.events | keys' <<<"$c")" = '["high","low","max","oom","oom_kill"]' ]
	[ "$(jq -c '.psi.some | keys' <<<"$c")" = '["avg10","avg300","avg60","total"]' ]
	[ "$(jq -c '.ksm | keys' <<<"$c")" = '["enabled","merging_pages","profit"]' ]
	[ "$(jq -c '.reclaim | keys' <<<"$c")" = '["auto","psi_target","reclaimed"]' ]
	[ "$(jq -r .id <<<"$c")" = "$id" ]
	[ "$(jq -c .unavailable <<<"$c")" = '[]' ]
	[ "$(jq .memory.current <<<"$c")" -gt 16000000 ]
	[ "$(jq .stat.anon <<<"$c")" -gt 16000000 ]
	[ "$(jq -r .memory.max <<<"$c")" = max ]
	[ "$(jq .reclaim.auto <<<"$c")" = true ]
	[ "$(jq .ksm.enabled <<<"$c")" = false ]
	h=$(jq -c .host <<<"$output")
	[ "$(jq -c 'keys' <<<"$h")" = '["ksm","psi","ram","swaps","unavailable","zram","zswap"]' ]
	[ "$(jq -c '.ram | keys' <<<"$h")" = '["available","free","swap_free","swap_total","total"]' ]
	[ "$(jq -c '.zram[0] | keys' <<<"$h")" = '["algorithm","compr_data_size","disksize","mem_used_total","name","orig_data_size","ratio"]' ]
	[ "$(jq -c '.ksm | keys' <<<"$h")" = '["general_profit","pages_shared","pages_sharing","run"]' ]
	[ "$(jq -r '.swaps[] | select(.name == "/dev/zram0") | .type' <<<"$h")" = partition ]
	[ "$(jq -r '.zram[] | select(.name == "zram0") | .disksize' <<<"$h")" -gt 0 ]
	[ "$(jq .ksm.run <<<"$h")" = 1 ]
	[ "$(jq .ram.total <<<"$h")" -gt 1000000000 ]
	[ "$(jq -r '.psi.some.total | type' <<<"$h")" = number ]
	# table: a row for the container, the host section with zram and ksm
	run runtime memory status "$id"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ID*CURRENT*PEAK*SWAP*ZSWAP*PSI10*KSM-PAGES*RECLAIMED ]]
	[[ "${lines[1]}" == "$id "* ]]
	assert_contains "$output" "zram0"
	assert_contains "$output" "ksm      run 1"
	# an unknown id is an error
	run runtime memory status nosuch
	[ "$status" -ne 0 ]
	assert_contains "$output" 'container "nosuch" does not exist'
}

@test "memory status (hybrid): what the missing memory controller hides is null and named [hybrid]" {
	set_args sleep 100
	id=$(ctr_id)
	run_detached_ok "$id"
	run status_json "$id"
	[ "$status" -eq 0 ]
	c=$(jq -c '.containers[0]' <<<"$output")
	[ "$(jq .memory.current <<<"$c")" = null ]
	[ "$(jq .swap.current <<<"$c")" = null ]
	[ "$(jq -c '.unavailable | index("memory") != null' <<<"$c")" = true ]
	[ "$(jq -r '.psi | type' <<<"$c")" = object ] # PSI needs no controller
	[ "$(jq -r '.host.ram.total | type' <<<"$output")" = number ]
	run runtime memory status "$id"
	[ "$status" -eq 0 ]
	assert_contains "$output" "unavailable: memory"
}

@test "ksm: an opted-in container's duplicate pages merge; one without the annotation shows 0 [vm]" {
	hog -s 16 16 0
	ksm=$(ctr_id) plain=$(ctr_id)
	annotate org.capsule.memory.ksm true # as podman --annotation passes it
	run_detached_ok "$ksm"
	update_config 'del(.annotations)'
	run_detached_ok "$plain"
	merged() { [ "$(status_json "$ksm" | jq '.containers[0].ksm.merging_pages')" -gt 1000 ]; }
	wait_until 60 merged
	run status_json
	[ "$(jq --arg i "$plain" '.containers[] | select(.id == $i) | .ksm.merging_pages' <<<"$output")" = 0 ]
	[ "$(jq --arg i "$ksm" '.containers[] | select(.id == $i) | .ksm.enabled' <<<"$output")" = true ]
	[ "$(jq --arg i "$ksm" '.containers[] | select(.id == $i) | .ksm.profit' <<<"$output")" -gt 0 ]
	# ksmd tracks (rmap items) only the mergeable processes
	[ "$(awk '$1 == "ksm_rmap_items" { print $2 }' "/proc/$(ctr_pid "$ksm")/ksm_stat")" -gt 0 ]
	[ "$(awk '$1 == "ksm_rmap_items" { print $2 }' "/proc/$(ctr_pid "$plain")/ksm_stat")" = 0 ]
}

@test "ksm: --memory-ksm is the same annotation; exec'd processes are mergeable too [vm]" {
	hog 1 0 0
	id=$(ctr_id)
	run_detached_ok "$id" --memory-ksm
	[ "$(state_field "$id" '.annotations["org.capsule.memory.ksm"]')" = true ]
	# the init holds 1 MiB of its own; what merges is the exec'd process's
	run_bg runtime exec -d "$id" /bin/memhog -s 8 8 0
	[ "$status" -eq 0 ]
	merged() { [ "$(status_json "$id" | jq '.containers[0].ksm.merging_pages')" -gt 1000 ]; }
	wait_until 60 merged
}

@test "watch: shrinks an idle opted-in container by 30% into zram, leaves the other alone [vm]" {
	hog 24 0 0
	auto=$(ctr_id) plain=$(ctr_id)
	run_detached_ok "$plain"
	annotate org.capsule.memory.reclaim auto
	run_detached_ok "$auto"
	filled() { [ "$(current_of "$1")" -gt 24000000 ]; }
	wait_until 30 filled "$auto"
	wait_until 30 filled "$plain"
	a0=$(current_of "$auto") p0=$(current_of "$plain")
	start_watch --interval 0.5 --psi-target 10
	shrunk() { [ "$(current_of "$auto")" -le $((a0 * 70 / 100)) ]; }
	wait_until 90 shrunk
	stop_watch # SIGTERM: a clean exit
	p1=$(current_of "$plain")
	[ "$p1" -ge $((p0 * 95 / 100)) ]
	grep -q "\"type\":\"reclaim\",\"id\":\"$auto\"" "$WATCH_OUT"
	refute grep -q "\"id\":\"$plain\"" "$WATCH_OUT"
	jq -e 'select(.type == "reclaim") | .asked > 0 and .reclaimed >= 0 and .current_before > 0
		and (.psi_before | type) == "number" and (.psi_after | type) == "number"' "$WATCH_OUT" >/dev/null
	# into swap (zram), and counted in the container's state dir
	run status_json "$auto"
	[ "$(jq '.containers[0].swap.current' <<<"$output")" -gt $((a0 / 5)) ]
	[ "$(jq '.containers[0].reclaim.reclaimed' <<<"$output")" -ge $((a0 * 30 / 100)) ]
	refute grep -v '^memory watch: ' "$WATCH_ERR"
}

@test "watch: settles at the working set: shrinks to the hot set, then stops writing memory.reclaim [vm]" {
	hog 24 0 6 # 18 MiB cold, 6 MiB touched in a loop
	run_filled_then_watch 24000000 30
	# the cold set goes, then refaults or a poor yield settle the controller
	settled() {
		[ "$(current_of "$id")" -le $((c0 * 60 / 100)) ] &&
			grep -E '"type":"(reclaim|settled)"' "$WATCH_OUT" | tail -1 | grep -q '"type":"settled"'
	}
	wait_until 120 settled
	every_event settled '(.reason == "idle" or .reason == "refault" or .reason == "yield") and .hold_s >= 30'
	# measured before the first reclaim: the cold 18 MiB idle, the hot 6 MiB not
	jq -s -e '[.[] | select(.type == "idle")][0] | .idle >= 14 * 1048576 and .idle <= .current - 5 * 1048576' \
		"$WATCH_OUT" >/dev/null
	# settled: no memory.reclaim for the hold (60 s; 10 s of it checked), the
	# hot set stays in memory
	refaults() { sed -n 's/^workingset_refault_anon //p' "$(cg_of "$id")/memory.stat"; }
	n0=$(grep -c '"type":"reclaim"' "$WATCH_OUT") r0=$(refaults)
	sleep 10
	[ "$(grep -c '"type":"reclaim"' "$WATCH_OUT")" -eq "$n0" ]
	[ $(($(refaults) - r0)) -lt 256 ] # not thrashing: under 1 MiB came back
	[ "$(current_of "$id")" -ge $((6 << 20)) ]
	stop_watch
	refute grep -v '^memory watch: ' "$WATCH_ERR"
}

@test "watch: a probe takes only idle memory: an all-hot container is measured, not reclaimed [vm]" {
	hog 16 0 16 # every page touched in a loop
	run_filled_then_watch 16000000 30
	refaults() { sed -n 's/^workingset_refault_anon //p' "$(cg_of "$id")/memory.stat"; }
	r0=$(refaults)
	# the first window is 20 rounds: then measured, and settled for want of idle memory
	wait_until 60 grep -q "\"type\":\"settled\",\"id\":\"$id\"" "$WATCH_OUT"
	stop_watch
	every_event idle '.window_s >= 10 and .idle < 1048576 and .current > 16 * 1048576
		and .idle == .mapped + .unmapped_file'
	every_event settled '.reason == "idle" and .hold_s >= 60'
	# whatever a probe asked stayed within what was idle; the hot set stayed in
	idle=$(jq -s '[.[] | select(.type == "idle") | .idle] | max' "$WATCH_OUT")
	[ "$(jq -s '[.[] | select(.type == "reclaim") | .asked] | add // 0' "$WATCH_OUT")" -le "$idle" ]
	[ $(($(refaults) - r0)) -lt 64 ]
	[ "$(current_of "$id")" -ge $((16 << 20)) ]
	refute grep -v '^memory watch: ' "$WATCH_ERR"
}

@test "watch: page cache no process maps counts as idle: a container that wrote a file shrinks [vm]" {
	set_args sh -c 'dd if=/dev/urandom of=/cache bs=1M count=24 2>/dev/null; exec sleep 1000'
	writable_root
	run_filled_then_watch 24000000 60
	shrunk() { [ "$(current_of "$id")" -le $((c0 * 70 / 100)) ]; }
	wait_until 90 shrunk
	stop_watch
	every_event idle '.idle == .mapped + .unmapped_file'
	jq -s -e '[.[] | select(.type == "idle")][0] | .unmapped_file >= 20 * 1048576' "$WATCH_OUT" >/dev/null
	refute grep -v '^memory watch: ' "$WATCH_ERR"
}

@test "watch: a KSM opted-in container waits for ksmd before any reclaim [vm]" {
	hog -s 24 8 0 # 8 MiB of one page (merges within the container), 16 MiB unique
	id=$(ctr_id)
	annotate org.capsule.memory.reclaim auto
	annotate org.capsule.memory.ksm true
	run_detached_ok "$id"
	# ksmd (running fast here) may merge the 8 MiB before the rest is written
	filled() { [ "$(current_of "$1")" -gt 15000000 ]; }
	wait_until 90 filled "$id"
	start_watch --interval 0.5 --psi-target 10
	wait_until 90 grep -q "\"type\":\"reclaim\",\"id\":\"$id\"" "$WATCH_OUT"
	stop_watch
	# the wait for ksmd comes first, then reclaim
	first=$(grep "\"id\":\"$id\"" "$WATCH_OUT" | head -1)
	[ "$(jq -r '.type + " " + .reason' <<<"$first")" = "wait ksm" ]
	refute grep -v '^memory watch: ' "$WATCH_ERR"
}

@test "watch: stops reclaiming once PSI crosses the target (tight memory.high) [vm]" {
	hog 24 0 20
	id=$(ctr_id)
	annotate org.capsule.memory.reclaim auto
	annotate org.capsule.memory.psi-target 1
	update_config '.linux.resources.unified = {"memory.high": "12582912"}'
	run_detached_ok "$id"
	pressured() { [ "$(status_json "$id" | jq '.containers[0].psi.some.avg10 >= 2')" = true ]; }
	wait_until 60 pressured
	start_watch --interval 1
	wait_until 30 grep -q "\"type\":\"backoff\",\"id\":\"$id\"" "$WATCH_OUT"
	sleep 5
	stop_watch
	# after the first backoff: no reclaim for this container, only backoffs
	after=$(sed -n '/"type":"backoff"/,$p' "$WATCH_OUT")
	refute grep -q "\"type\":\"reclaim\",\"id\":\"$id\"" <<<"$after"
	[ "$(grep -c '"type":"backoff"' <<<"$after")" -ge 2 ]
	jq -e 'select(.type == "backoff" and .reason == "psi") | .psi >= .psi_target' <<<"$after" >/dev/null
	jq -e 'select(.type == "backoff") | .reason == "psi" or (.reason == "refault" and .refault > 0)' <<<"$after" >/dev/null
}

@test "watch: survives containers appearing and disappearing, no error storm [vm]" {
	set_args sleep 100
	annotate org.capsule.memory.reclaim auto
	start_watch --interval 0.2
	for i in 1 2; do
		id=$(ctr_id)
		run_detached_ok "$id"
		sleep 0.5
		runtime delete -f "$id"
	done
	id=$(ctr_id)
	run_detached_ok "$id"
	sleep 0.5
	kill -0 "$WATCH_PID"
	stop_watch
	# one debug line per container gone at most, nothing else on stderr
	[ "$(grep -c 'dropped' "$WATCH_ERR")" -le 3 ]
	refute grep -v '^memory watch: ' "$WATCH_ERR"
	[ ! -s "$WATCH_OUT" ] || jq -e . "$WATCH_OUT" >/dev/null
}

@test "watch --once: one round, then exits; bad flags are one clear line [host]" {
	set_args sleep 100
	run runtime memory watch --once --interval 1
	[ "$status" -eq 0 ]
	run runtime memory watch --interval 0
	[ "$status" -ne 0 ]
	assert_contains "$output" 'invalid --interval "0"'
	run runtime memory watch --psi-target 200
	[ "$status" -ne 0 ]
	assert_contains "$output" 'invalid --psi-target "200"'
	for bad in 201 -1 1.5 x; do
		run runtime memory watch --once --swappiness "$bad"
		[ "$status" -ne 0 ]
		assert_contains "$output" "invalid --swappiness \"$bad\" (want an integer, 0 to 200)"
	done
	run runtime memory watch --once --swappiness 200
	[ "$status" -eq 0 ]
}

# bad_create EXPECTED [FLAGS...]: create fails with one line containing
# EXPECTED, and leaves no state dir and no cgroup.
bad_create() {
	local want=$1 id
	shift
	id=$(ctr_id)
	run_bg runtime create --bundle "$BUNDLE" "$@" "$id"
	[ "$status" -ne 0 ]
	assert_contains "$output" "$want"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ ! -e "$STATE_ROOT/$id" ]
	[ ! -e "/sys/fs/cgroup$CG_PARENT/$id" ] && [ ! -e "/sys/fs/cgroup/unified$CG_PARENT/$id" ]
}

@test "bad annotation values and limits: one clear line at create, nothing left [host]" {
	set_args true
	annotate org.capsule.memory.ksm yes
	bad_create 'annotation org.capsule.memory.ksm: invalid value "yes" (want true or false)'
	annotate org.capsule.memory.ksm true
	annotate org.capsule.memory.reclaim sometimes
	bad_create 'annotation org.capsule.memory.reclaim: invalid value "sometimes"'
	update_config 'del(.annotations)'
	bad_create 'annotation org.capsule.memory.psi-target: invalid value "abc"' --memory-reclaim auto --memory-psi-target abc
	bad_create 'annotation org.capsule.memory.psi-target: needs org.capsule.memory.reclaim=auto' --memory-psi-target 5
	annotate org.capsule.memory.kms true
	bad_create 'annotation org.capsule.memory.kms: unknown'
	update_config 'del(.annotations) | .linux.resources.unified = {"memory.zswap.max": "16M"}'
	bad_create 'linux.resources.unified["memory.zswap.max"]: invalid value "16M"'
	update_config '.linux.resources.unified = {"memory.zswap.writeback": "yes"}'
	bad_create 'memory.zswap.writeback'
	update_config 'del(.linux.resources.unified) | .linux.resources.memory = {"limit": 67108864, "swap": 33554432}'
	bad_create 'linux.resources.memory.swap: 33554432 is below memory.limit 67108864'
}

@test "reclaim=auto without the cgroup2 memory controller (hybrid): clear error at create [hybrid]" {
	set_args true
	annotate org.capsule.memory.reclaim auto
	bad_create 'annotation org.capsule.memory.reclaim=auto:'
	assert_contains "$output" 'the cgroup2 memory controller is not available'
}

@test "valid swap and zswap limits reach the cgroup [vm]" {
	set_args sleep 100
	update_config '.linux.resources.memory = {"limit": 67108864, "swap": 100663296}
		| .linux.resources.unified = {"memory.zswap.max": "8388608", "memory.zswap.writeback": "0"}'
	id=$(ctr_id)
	run_detached_ok "$id"
	run status_json "$id"
	[ "$(jq '.containers[0].swap.max' <<<"$output")" = 33554432 ]
	[ "$(jq '.containers[0].zswap.max' <<<"$output")" = 8388608 ]
	[ "$(cat "$(cg_of "$id")/memory.zswap.writeback")" = 0 ]
}
