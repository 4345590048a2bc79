# capsule: an OCI container runtime.
#   make            build ./capsule
#   make test       unit + integration tests (host)
#   make test-unit  C unit tests only
#   make demo       build a busybox bundle and run a container from it
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
CC ?= cc
PKGS := libseccomp libcap yajl libarchive libcrypto yaml-0.1
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# Recursive (=): evaluated when used, after `make demo`/`make test` installed the deps.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# Start-up time is on every container's hot path: the big libraries (and what
# libarchive drags in: libxml2, ICU, libstdc++) would cost ~1M cycles of
# relocations per call.  Link them statically, keep only small ones dynamic.
STATIC_LIBS := -larchive -lcrypto -lseccomp -lyajl_s -lyaml -lcap -lz -lzstd -lbz2 -llz4 -llzma
DYNAMIC_LIBS :=
PKG_LIBS = -Wl,--as-needed -Wl,--gc-sections -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic $(DYNAMIC_LIBS)

CFLAGS ?= -O2 -g
CFLAGS += -ffunction-sections -fdata-sections -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	  -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-strict-aliasing \
	  -DCAPSULE_VERSION='"$(VERSION)"' -DCAPSULE_COMMIT='"$(GIT_COMMIT)"' $(PKG_CFLAGS)
LDFLAGS ?=
LDLIBS += $(PKG_LIBS)

LIB_DIRS := runtime cgroups seccomp overlay gpu
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(LIB_SRCS:.c=.o)
CMD_SRCS := $(wildcard cmd/*.c)
CMD_OBJS := $(CMD_SRCS:.c=.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:.c=)
DEPS := $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(UNIT_SRCS:.c=.d)

all: capsule

capsule: $(CMD_OBJS) libcapsule.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) libcapsule.a $(LDLIBS)

libcapsule.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

%.o: %.c
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

tests/unit/test_%: tests/unit/test_%.c tests/unit/unit.h libcapsule.a
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< libcapsule.a $(LDLIBS)

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

format:
	clang-format -i $(CMD_SRCS) $(LIB_SRCS) $(wildcard */*.h) $(UNIT_SRCS)

clean:
	rm -f capsule libcapsule.a $(LIB_OBJS) $(CMD_OBJS) $(UNIT_BINS) $(DEPS)

.PHONY: all deps test test-unit test-integration test-clients test-cgroups demo install format clean

-include $(DEPS)
