/* seccomp/cache.c: compiled filters reused from <dir>/<key>.
 *
 * A hit must give the very program a fresh compile gives; whatever changes
 * the filter (profile, libseccomp, flags) must change the key; a damaged,
 * foreign or misplaced file must be ignored and the filter compiled. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "unit.h"
#include "../../lib/cleanup.h"
#include "../../lib/file.h"
#include "../../oci/spec.h"
#include "../../seccomp/cache.h"
#include "../../seccomp/program.h"
#include "../../seccomp/seccomp.h"

static char dir[256];

/* The notes of the last build: "hit", "miss", "stored", "rejected (...)". */
static char notes[4096];
static void note(const char *msg)
{
	size_t n = strlen(notes);
	snprintf(notes + n, sizeof(notes) - n, "%s\n", msg);
}
static bool noted(const char *what)
{
	return strstr(notes, what) != NULL;
}

/* A podman-like profile: errno default, a few allow lists, an argument rule. */
static struct spec *parse(const char *json)
{
	cleanup_error struct cap_error *err = NULL;
	struct spec *s = spec_parse(json, strlen(json), &err);
	if (!s)
		fprintf(stderr, "parse: %s\n", err && err->msg ? err->msg : "?");
	CHECK(s && s->linux_.seccomp);
	return s;
}

#define PROFILE(extra)                                                                             \
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":{"        \
	"\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"                             \
	"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"]," extra                        \
	"\"syscalls\":[{\"names\":[\"read\",\"write\",\"exit_group\",\"execve\",\"brk\"],"         \
	"\"action\":\"SCMP_ACT_ALLOW\"},"                                                          \
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"       \
	"\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"                                                   \
	"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}}}"

static struct sc_program *build(const struct spec *s, const char *cache)
{
	cleanup_error struct cap_error *err = NULL;
	struct sc_program *p = NULL;
	notes[0] = 0;
	if (sc_program_build_cached(s->linux_.seccomp, cache, &p, note, &err) < 0)
		fprintf(stderr, "build: %s\n", err && err->msg ? err->msg : "?");
	CHECK(p != NULL);
	return p;
}

static bool same(const struct sc_program *a, const struct sc_program *b)
{
	return a && b && a->len == b->len && a->flags == b->flags && a->listener == b->listener &&
	       memcmp(a->insns, b->insns, a->len * sizeof(a->insns[0])) == 0;
}

static void key_of(const struct spec *s, const struct scmp_version *v, struct sc_cache_key *k)
{
	cleanup_error struct cap_error *err = NULL;
	CHECK(sc_program_cache_key(s->linux_.seccomp, v, k, &err) == 0);
}

static char *entry_path(const struct spec *s)
{
	struct sc_cache_key k;
	key_of(s, NULL, &k);
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, k.hex) < 0)
		abort();
	return p;
}

static int count_entries(void)
{
	cleanup_dir DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	return n;
}

/* A second build is a hit and gives byte for byte what a fresh compile gives. */
static void test_hit_is_identical(void)
{
	struct spec *s = parse(PROFILE(""));
	struct sc_program *fresh = build(s, NULL);
	struct sc_program *miss = build(s, dir);
	CHECK(noted("miss") && noted("stored"));
	struct sc_program *hit = build(s, dir);
	CHECK(noted("hit"));
	CHECK(same(fresh, miss));
	CHECK(same(fresh, hit));
	struct stat st;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700 && st.st_uid == geteuid());
	cleanup_free char *path = entry_path(s);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	sc_program_free(fresh);
	sc_program_free(miss);
	sc_program_free(hit);
	spec_free(s);
}

/* SCMP_ACT_NOTIFY: the cached program is still loaded with NEW_LISTENER
 * (the flags are probed at every build, not taken from the file). */
static void test_notify(void)
{
	struct spec *s = parse(
	    "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":{"
	    "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/nonexistent/l\","
	    "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}}");
	struct sc_program *fresh = build(s, NULL);
	sc_program_free(build(s, dir));
	struct sc_program *hit = build(s, dir);
	CHECK(noted("hit"));
	CHECK(same(fresh, hit));
	CHECK(hit && sc_program_needs_listener(hit) &&
	      (hit->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER));
	sc_program_free(fresh);
	sc_program_free(hit);
	spec_free(s);
}

/* The key is the translated profile's, not the text's: whitespace and member
 * order do not matter; a different errno, rule, flag or libseccomp does. */
static void test_key(void)
{
	struct spec *a = parse(PROFILE(""));
	struct spec *spaced = parse(
	    "{ \"root\": {\"path\": \"rootfs\"}, \"ociVersion\": \"1.2.0\", \"linux\": { "
	    "\"seccomp\": {\n"
	    "  \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],\n"
	    "  \"syscalls\": [ {\"action\": \"SCMP_ACT_ALLOW\", \"names\": [\"read\", \"write\",\n"
	    "     \"exit_group\", \"execve\", \"brk\"]},\n"
	    "    {\"args\": [{\"op\": \"SCMP_CMP_EQ\", \"value\": 8, \"index\": 0}],\n"
	    "     \"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
	    "    {\"errnoRet\": 1, \"action\": \"SCMP_ACT_ERRNO\", \"names\": [\"mount\"]} ],\n"
	    "  \"defaultErrnoRet\": 38, \"defaultAction\": \"SCMP_ACT_ERRNO\" } } }");
	struct spec *log = parse(PROFILE("\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"));
	struct spec *other = parse(PROFILE("\"listenerMetadata\":\"x\","));
	struct sc_cache_key ka, ks, kl, ko, kv, kv2;
	key_of(a, NULL, &ka);
	key_of(spaced, NULL, &ks);
	key_of(log, NULL, &kl);
	key_of(other, NULL, &ko);
	CHECK_STR(ka.hex, ks.hex);
	CHECK(strcmp(ka.hex, kl.hex) != 0);
	/* listenerMetadata does not reach the filter: same key. */
	CHECK_STR(ka.hex, ko.hex);
	const struct scmp_version *real = seccomp_version();
	struct scmp_version v = *real;
	key_of(a, &v, &kv);
	CHECK_STR(ka.hex, kv.hex);
	v.micro++;
	key_of(a, &v, &kv2);
	CHECK(strcmp(ka.hex, kv2.hex) != 0);

	/* A changed rule: errnoRet of the default action. */
	a->linux_.seccomp->default_errno_ret = 1;
	struct sc_cache_key ke;
	key_of(a, NULL, &ke);
	CHECK(strcmp(ka.hex, ke.hex) != 0);
	/* ... and a build with it misses, then hits its own entry. */
	sc_program_free(build(a, dir));
	CHECK(noted("miss"));
	sc_program_free(build(a, dir));
	CHECK(noted("hit"));
	/* A flag misses too. */
	sc_program_free(build(log, dir));
	CHECK(noted("miss"));
	spec_free(a);
	spec_free(spaced);
	spec_free(log);
	spec_free(other);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
}

static char *read_bytes(const char *path, size_t *len)
{
	cleanup_close int fd = open(path, O_RDONLY);
	char *buf = malloc(65536);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, 65536);
	*len = n < 0 ? 0 : (size_t)n;
	return buf;
}

/* Damage the entry with fn, then build: rejected, compiled, rewritten. */
static void damaged(const struct spec *s, const char *why, void (*fn)(char *buf, size_t *len))
{
	cleanup_free char *path = entry_path(s);
	struct sc_program *fresh = build(s, NULL);
	sc_program_free(build(s, dir)); /* make sure it is there */
	size_t len;
	cleanup_free char *buf = read_bytes(path, &len);
	fn(buf, &len);
	write_bytes(path, buf, len);
	struct sc_program *p = build(s, dir);
	unit_result(noted("rejected") && noted(why), __FILE__, __LINE__, why);
	if (!noted(why))
		fprintf(stderr, "     notes: %s", notes);
	CHECK(same(fresh, p));
	sc_program_free(p);
	p = build(s, dir); /* the compile replaced the bad entry */
	CHECK(noted("hit"));
	CHECK(same(fresh, p));
	sc_program_free(p);
	sc_program_free(fresh);
}

#define HDR 80 /* sizeof(struct cache_header) */
static void flip_payload(char *b, size_t *len)
{
	b[*len - 3] ^= 0x40;
}
static void truncate_half(char *b, size_t *len)
{
	*len = HDR + (*len - HDR) / 2 + 3; /* not whole instructions */
}
static void truncate_whole(char *b, size_t *len)
{
	*len -= 8; /* whole instructions, but not the length the header says */
}
static void bad_magic(char *b, size_t *len)
{
	b[0] = 'X';
}
static void header_only(char *b, size_t *len)
{
	*len = HDR;
}
static void other_key(char *b, size_t *len)
{
	b[20] ^= 1; /* inside the key: the file is not this profile's */
}

static void test_damaged_entries(void)
{
	struct spec *s = parse(PROFILE(""));
	damaged(s, "checksum mismatch", flip_payload);
	damaged(s, "bad length", truncate_half);
	damaged(s, "bad length", truncate_whole);
	damaged(s, "bad header", bad_magic);
	damaged(s, "bad size", header_only);
	damaged(s, "key mismatch", other_key);

	/* A symlink in place of the entry is not followed. */
	cleanup_free char *path = entry_path(s);
	unlink(path);
	CHECK(symlink("/etc/passwd", path) == 0);
	struct sc_program *p = build(s, dir);
	CHECK(p && !noted("hit"));
	sc_program_free(p);
	unlink(path);
	spec_free(s);
}

/* A directory others can write to (or that is not ours) is not used. */
static void test_open_directory_refused(void)
{
	struct spec *s = parse(PROFILE(""));
	sc_program_free(build(s, dir));
	CHECK(chmod(dir, 0755) == 0);
	struct sc_program *p = build(s, dir);
	CHECK(p && noted("not a 0700 directory") && !noted("hit"));
	sc_program_free(p);
	CHECK(chmod(dir, 0700) == 0);
	sc_program_free(build(s, dir));
	CHECK(noted("hit"));
	spec_free(s);
}

/* Beyond SECCOMP_CACHE_MAX_ENTRIES the least recently used go first. */
static void test_eviction(void)
{
	struct spec *s = parse(PROFILE(""));
	char name[512];
	for (int i = 0; i < SECCOMP_CACHE_MAX_ENTRIES + 10; i++) {
		snprintf(name, sizeof(name), "%s/%064x", dir, i);
		write_bytes(name, "old", 3);
		struct timeval tv[2] = {{1000 + i, 0}, {1000 + i, 0}};
		CHECK(utimes(name, tv) == 0);
	}
	cleanup_free char *path = entry_path(s);
	unlink(path);
	sc_program_free(build(s, dir)); /* a miss: writes, then evicts */
	CHECK(noted("stored"));
	CHECK(count_entries() <= SECCOMP_CACHE_MAX_ENTRIES);
	CHECK(access(path, F_OK) == 0); /* the newest stays */
	snprintf(name, sizeof(name), "%s/%064x", dir, 0);
	CHECK(access(name, F_OK) < 0); /* the oldest went */
	snprintf(name, sizeof(name), "%s/%064x", dir, SECCOMP_CACHE_MAX_ENTRIES + 9);
	CHECK(access(name, F_OK) == 0);
	spec_free(s);
}

int main(void)
{
	char tmpl[] = "/tmp/capsule-seccomp-cache.XXXXXX";
	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s/cache", tmpl);
	test_hit_is_identical();
	test_notify();
	test_key();
	test_damaged_entries();
	test_open_directory_refused();
	test_eviction();
	cap_rm_rf(tmpl, NULL);
	return UNIT_DONE();
}
