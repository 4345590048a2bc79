#!/usr/bin/env bats
# Minimal end-to-end check that a busybox container runs (the full suites
# live next to this file).

setup() {
	RUNTIME=${RUNTIME:-$BATS_TEST_DIRNAME/../../capsule}
	WORK=$(mktemp -d)
	"$BATS_TEST_DIRNAME/../fixtures/make-busybox-bundle" "$WORK/bundle" >/dev/null
	STATE="$WORK/state"
}

teardown() {
	"$RUNTIME" --root "$STATE" delete -f smoke-$$ >/dev/null 2>&1 || true
	rm -rf "$WORK"
}

@test "smoke: run a busybox container and get its exit status" {
	jq '.process.args = ["sh", "-c", "echo hello; exit 3"]' "$WORK/bundle/config.json" >"$WORK/c.json"
	mv "$WORK/c.json" "$WORK/bundle/config.json"
	run "$RUNTIME" --root "$STATE" run --bundle "$WORK/bundle" smoke-$$
	[ "$status" -eq 3 ]
	[ "$output" = "hello" ]
	[ -z "$(ls "$STATE")" ]
}
