# capsule: an OCI container runtime.
#   make            build ./capsule
#   make test       unit + integration tests (host)
#   make test-unit  C unit tests only
#   make check      unit + host integration tests (nothing installed)
#   make check-asan host integration tests against an ASan+UBSan build
#   make fuzz [FUZZ_SECONDS=60]  every libFuzzer target in tests/fuzz
#   make check-fault  kill capsule at each lifecycle step; cleanup must leave nothing
#   make demo       build a busybox bundle and run a container from it
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
CC ?= cc
PKGS := libseccomp libcap yajl libarchive libcrypto libsystemd criu yaml-0.1
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# Recursive (=): evaluated when used, after `make demo`/`make test` installed the deps.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# Start-up time is on every container's hot path: the big libraries (and what
# libarchive drags in: libxml2, ICU, libstdc++) would cost ~1M cycles of
# relocations per call.  Link them statically, keep only small ones dynamic.
STATIC_LIBS := -larchive -lcrypto -lseccomp -lyajl_s -lyaml -lcap -lz -lzstd -lbz2 -llz4 -llzma
# libsystemd (sd-bus, --systemd-cgroup) and libcriu (checkpoint/restore) are
# dlopen'ed when used (cgroups/sd_dl.h, runtime/criu_dl.h): only their headers
# are needed here.
DYNAMIC_LIBS :=
# The linker's note on dlopen in a static binary ("requires at runtime the shared
# libraries from the glibc version used for linking"), shown for every build: the two
# libraries it opens run on their own copy of libc (cgroups/sd_dl.h).
STATIC_LINK_NOTE := in statically linked applications requires at runtime|in function .cap_dl_load.
PKG_LIBS = -Wl,--as-needed -Wl,--gc-sections -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic $(DYNAMIC_LIBS)

# The user's CFLAGS/LDFLAGS only add to (and may override) the project's own flags, so
# `make CFLAGS=-O0` or `make CFLAGS="-O1 -g3"` keeps the language, warnings and libraries.
CFLAGS ?= -O2 -g
LDFLAGS ?=
# _FORTIFY_SOURCE needs an optimising build (glibc warns, -Werror fails otherwise).
OPT_LEVEL = $(lastword $(filter -O%,$(CFLAGS)))
FORTIFY = $(if $(filter-out -O0,$(OPT_LEVEL)),-D_FORTIFY_SOURCE=2)
CAPSULE_CFLAGS = -ffunction-sections -fdata-sections -std=gnu11 -Wall -Wextra -Werror \
	  -Wno-unused-parameter -D_GNU_SOURCE -fstack-protector-strong $(FORTIFY) -fno-strict-aliasing \
	  -DCAPSULE_VERSION='"$(VERSION)"' -DCAPSULE_COMMIT='"$(GIT_COMMIT)"' $(PKG_CFLAGS)
ALL_CFLAGS = $(CAPSULE_CFLAGS) $(CFLAGS)
LDLIBS += $(PKG_LIBS)

# Modules, bottom to top, and the lower modules each may use (DESIGN.md).  Each builds as
# its own static library build/<module>.a; build/<module>.layer-ok links the whole module
# against only the modules below it, so a call that reaches up (or sideways) fails the build.
MODULES := lib oci cgroups seccomp overlay gpu memory runtime job
USES_lib :=
USES_oci := lib
USES_cgroups := oci lib
USES_seccomp := oci lib
USES_overlay := oci lib
USES_gpu := oci lib
USES_memory := cgroups oci lib
USES_runtime := memory gpu overlay seccomp cgroups oci lib
USES_job := runtime memory gpu overlay seccomp cgroups oci lib
module_archives = $(patsubst %,build/%.a,$(1) $(USES_$(1)))

LIB_DIRS := $(MODULES)
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(LIB_SRCS:.c=.o)
CMD_SRCS := $(wildcard cmd/*.c)
CMD_OBJS := $(CMD_SRCS:.c=.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:.c=)
DEPS := $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_SRCS:.c=.d)
SAN_DEPS = $(wildcard build-asan/*/*.d build-fuzz/*/*.d build-fuzz/*.d build-fault/*/*.d)
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
ALL_ARCHIVES := $(patsubst %,build/%.a,$(call reverse,$(MODULES)))
LAYER_STAMPS := $(patsubst %,build/%.layer-ok,$(MODULES))

all: capsule

# capsule itself is a static PIE: every create/run/exec executes it twice (the
# sealed re-exec, runtime/cloned_binary.h), and the dynamic loader's work and page
# faults for libc were ~2 ms of each exec (bench/README.md).  libsystemd and libcriu
# still come through dlopen (lib/dl.h); the test and sanitizer builds stay dynamic.
capsule: $(CMD_OBJS) $(ALL_ARCHIVES) $(LAYER_STAMPS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -static-pie -o $@ $(CMD_OBJS) $(ALL_ARCHIVES) \
	  -Wl,--gc-sections $(STATIC_LIBS) 2>build/link.log; rc=$$?; \
	  grep -Ev "$(STATIC_LINK_NOTE)" build/link.log >&2; exit $$rc

# build/<module>.srcs changes when a source file comes or goes, so the archive never keeps
# the object of a removed file.
$(foreach m,$(MODULES),$(shell mkdir -p build && echo '$(sort $(wildcard $(m)/*.c))' | \
	cmp -s - build/$(m).srcs || echo '$(sort $(wildcard $(m)/*.c))' > build/$(m).srcs))

define module_rules
build/$(1).a: $$(patsubst %.c,%.o,$$(wildcard $(1)/*.c)) build/$(1).srcs
	rm -f $$@
	ar rcs $$@ $$(filter %.o,$$^)

build/$(1).layer-ok: build/$(1).a $$(call module_archives,$(1)) build/layer-main.o
	@$$(CC) $$(LDFLAGS) -o build/$(1).layer-check build/layer-main.o -Wl,--whole-archive \
	  build/$(1).a -Wl,--no-whole-archive $$(patsubst %,build/%.a,$$(USES_$(1))) $$(LDLIBS) -Wl,--no-gc-sections \
	  || { echo "$(1)/ reaches outside $$(or $$(USES_$(1)),libc and the libraries) (see USES_$(1))" >&2; exit 1; }
	@rm -f build/$(1).layer-check
	@touch $$@
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m))))

build/layer-main.o:
	@mkdir -p build
	printf 'int main(void) { return 0; }\n' | $(CC) -x c -c -o $@ -

%.o: %.c
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Each unit test names its module (UNIT_MODULE_<test>) and links only that module and
# the ones below it.
UNIT_MODULE_test_error := lib
UNIT_MODULE_test_lib := lib
UNIT_MODULE_test_spec := oci
# test_oci_spec: `capsule spec` and image bundles agree (oci + seccomp + overlay)
UNIT_MODULE_test_oci_spec := runtime
UNIT_MODULE_test_mount_options := oci
UNIT_MODULE_test_cgroups_convert := cgroups
UNIT_MODULE_test_cgroups_systemd := cgroups
UNIT_MODULE_test_seccomp := seccomp
UNIT_MODULE_test_seccomp_cache := seccomp
UNIT_MODULE_test_overlay_paths := overlay
UNIT_MODULE_test_cdi := gpu
UNIT_MODULE_test_memory := memory
UNIT_MODULE_test_runtime := runtime
UNIT_MODULE_test_resctrl := runtime
UNIT_MODULE_test_spec_netdev := oci
UNIT_MODULE_test_job := job
unit_module = $(or $(UNIT_MODULE_$(1)),$(error tests/unit/$(1).c: set UNIT_MODULE_$(1) in the Makefile))

.SECONDEXPANSION:
tests/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $$(call module_archives,$$(call unit_module,test_$$*))
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(call module_archives,$(call unit_module,test_$*)) $(LDLIBS)

# Sanitizer builds (clang, ASan+UBSan) live in their own object dirs so they never
# clobber ./capsule or libcapsule.a.  Static libraries stay static: they are not
# instrumented, the sanitizer runtimes are linked by the clang driver.
SAN_CC ?= clang
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=undefined
SAN_CFLAGS = $(CAPSULE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)

ASAN_DIR := build-asan
ASAN_OBJS := $(addprefix $(ASAN_DIR)/,$(LIB_OBJS) $(CMD_OBJS))

$(ASAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

$(ASAN_DIR)/capsule: $(ASAN_OBJS)
	$(SAN_CC) $(SAN_CFLAGS) $(LDFLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

# Fault injection (runtime/fault.h): a test-only binary that SIGKILLs itself at the step
# named by CAPSULE_FAULT; ./capsule never has the switch.
FAULT_DIR := build-fault
FAULT_OBJS := $(addprefix $(FAULT_DIR)/,$(LIB_OBJS) $(CMD_OBJS))

$(FAULT_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DCAPSULE_FAULT_INJECTION -MMD -MP -c -o $@ $<

$(FAULT_DIR)/capsule: $(FAULT_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(FAULT_OBJS) $(LDLIBS)

# Kill capsule at each step of create/start/exec/delete/import; nothing may be left.
check-fault: capsule $(FAULT_DIR)/capsule
	@FAULT_RUNTIME=$(abspath $(FAULT_DIR)/capsule) tests/integration/run fault.bats

# Each tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput; seeds live in
# tests/fuzz/corpus/<name>/.  New parsers add a file there and nothing else.
FUZZ_DIR := build-fuzz
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(addprefix $(FUZZ_DIR)/,$(LIB_OBJS))
FUZZ_SECONDS ?= 60

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(SAN_CC) $(SAN_CFLAGS) -fsanitize=fuzzer-no-link -DCAPSULE_FUZZING -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libcapsule.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_DIR)/libcapsule.a
	$(SAN_CC) $(SAN_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_DIR)/libcapsule.a $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Every target for FUZZ_SECONDS; any crash, leak or timeout fails it.
fuzz: $(FUZZ_BINS)
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

asan: $(ASAN_DIR)/capsule

# The host integration suite against the sanitizer build.
check-asan: $(ASAN_DIR)/capsule
	@tests/integration/run-asan $(abspath $(ASAN_DIR)/capsule)

# The floors (docs/DESIGN.md): no include goes up a floor and the picture is current,
# every module's symbols carry its prefix and clash with no linked library.  (The link-time
# check runs on every build: build/<module>.layer-ok.)
check-layers: capsule
	@fail=0; \
	scripts/include-graph --check >/dev/null && echo "include graph: ok" || fail=1; \
	scripts/check-symbols || fail=1; \
	if [ $$fail = 0 ]; then echo "2 passed, 0 failed"; else echo "0 passed, 1 failed"; exit 1; fi

# Unit + host integration tests, without installing anything.
check: capsule $(UNIT_BINS)
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-integration

deps:
	@scripts/install-deps

test-unit: $(UNIT_BINS)
	@tests/unit/run $(UNIT_BINS)

test-integration: capsule
	@tests/integration/run

test-clients: capsule
	@tests/integration/run-clients

# The README's test command: installs what is missing, builds, runs unit and
# host integration tests.
test:
	@scripts/install-deps
	@$(MAKE) --no-print-directory -j2 capsule $(UNIT_BINS)
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-integration

# cgroup tests need a pure cgroup v2 host: run them in the VM.
test-cgroups: capsule
	@tests/integration/run-cgroups

# memory/ tests and bench/memory-pressure: pure cgroup v2, zram, KSM: the VM.
tests/fixtures/memhog: tests/fixtures/memhog.c tests/fixtures/report.h
	$(CC) -O2 -static -o $@ $<

tests/fixtures/vcpu-speed: tests/fixtures/vcpu-speed.c tests/fixtures/report.h
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

test-memory: capsule tests/fixtures/memhog
	@tests/integration/run-memory

# The README's first command: installs what is missing, builds, and runs a
# busybox container that prints where it is.
demo:
	@scripts/install-deps
	@$(MAKE) --no-print-directory -j2 capsule
	@tests/fixtures/make-busybox-bundle /tmp/capsule-demo >/dev/null
	@jq '.process.args = ["sh", "-c", "echo hello from capsule: $$(hostname), pid $$$$, uid $$(id -u); ls /"]' \
		/tmp/capsule-demo/config.json > /tmp/capsule-demo/config.json.new && \
		mv /tmp/capsule-demo/config.json.new /tmp/capsule-demo/config.json
	./capsule run --bundle /tmp/capsule-demo capsule-demo-$$$$

install: capsule
	install -D -m 0755 capsule $(DESTDIR)$(PREFIX)/bin/capsule

# Every C file git tracks, formatted with the checked-in .clang-format.
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@out=$$(for f in $(FORMAT_SRCS); do clang-format "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	if [ -n "$$out" ]; then echo "not formatted (make format):"; echo "$$out"; echo "0 passed, 1 failed"; exit 1; fi; \
	echo "1 passed, 0 failed"

clean:
	rm -f capsule libcapsule.a $(LIB_OBJS) $(CMD_OBJS) $(UNIT_BINS) $(DEPS)
	rm -rf build
	rm -rf $(ASAN_DIR) $(FUZZ_DIR) $(FAULT_DIR)

.PHONY: check-layers format-check all deps check check-asan check-fault asan fuzz fuzz-build test test-unit test-integration test-clients test-cgroups test-memory demo install format clean

-include $(DEPS) $(SAN_DEPS)
