/* The base layer (lib/): id-map formatting, file helpers (whole-file reads, atomic
 * writes, recursive removal), JSON parsing and lookups, string vectors and the
 * namespace table. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/error.h"
#include "../../lib/file.h"
#include "../../lib/json.h"
#include "../../lib/ns.h"
#include "../../lib/strv.h"
#include "../../lib/userns.h"
#include "unit.h"
#include "unit_tmp.h"

static void test_id_map_format(void)
{
	struct cap_id_mapping m[] = {{0, 100000, 65536}, {65536, 4294967295u, 1}};
	char buf[128];
	size_t len = 99;
	CHECK_INT(cap_id_map_format(buf, sizeof(buf), m, 2, &len), 0);
	const char *want = "0 100000 65536\n65536 4294967295 1\n";
	CHECK_INT(len, strlen(want));
	CHECK(memcmp(buf, want, strlen(want)) == 0);

	CHECK_INT(cap_id_map_format(buf, sizeof(buf), m, 0, &len), 0);
	CHECK_INT(len, 0);

	/* exactly fitting needs room for snprintf's NUL: one byte short is E2BIG */
	size_t need = strlen("0 100000 65536\n");
	errno = 0;
	CHECK_INT(cap_id_map_format(buf, need, m, 1, &len), -1);
	CHECK_INT(errno, E2BIG);
	CHECK_INT(cap_id_map_format(buf, need + 1, m, 1, &len), 0);
	CHECK_INT(len, need);
	errno = 0;
	CHECK_INT(cap_id_map_format(buf, 0, m, 1, &len), -1);
	CHECK_INT(errno, E2BIG);
}

static void test_id_map_write_errors(void)
{
	/* more mappings than one page: refused before /proc is touched */
	struct cap_id_mapping many[400];
	for (size_t i = 0; i < 400; i++)
		many[i] = (struct cap_id_mapping){(uint32_t)i * 100000, 4000000000u, 100000};
	struct cap_error *e = NULL;
	CHECK_INT(cap_id_map_write(1, "uid_map", many, 400, "linux.uidMappings", &e), -1);
	CHECK(e && e->errnum == E2BIG);
	CHECK(e && strncmp(e->msg, "linux.uidMappings: write /proc/1/uid_map: too many", 50) == 0);
	cap_error_free(e);

	/* a process that is gone: the open fails, naming the setting and the file */
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	e = NULL;
	CHECK_INT(cap_id_map_write(pid, "gid_map", many, 1, "linux.gidMappings", &e), -1);
	CHECK(e && e->errnum == ENOENT);
	char *want = cap_strdupf("linux.gidMappings: open /proc/%d/gid_map: ", (int)pid);
	CHECK(e && strncmp(e->msg, want, strlen(want)) == 0);
	free(want);
	cap_error_free(e);
}

static void test_read(void)
{
	put("ten", "0123456789");
	char *p = tpath("ten");
	int fd = open(p, O_RDONLY);
	struct cap_error *e = NULL;
	size_t len = 0;
	char *s = cap_read_fd(fd, 10, &len, "ten", &e);
	CHECK_STR(s, "0123456789");
	CHECK_INT(len, 10);
	CHECK(!e);
	free(s);

	/* one byte over max: EFBIG, naming the file */
	lseek(fd, 0, SEEK_SET);
	s = cap_read_fd(fd, 9, &len, "ten", &e);
	CHECK(!s);
	CHECK(e && e->errnum == EFBIG);
	CHECK(e && strncmp(e->msg, "read ten: more than 9 bytes", 27) == 0);
	cap_error_free(e);
	close(fd);
	free(p);

	/* a pipe has no size: the buffer grows past its first 4 KiB */
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	char big[10000];
	memset(big, 'a', sizeof(big));
	CHECK_INT(cap_write_all(pfd[1], big, sizeof(big)), sizeof(big));
	close(pfd[1]);
	e = NULL;
	s = cap_read_fd(pfd[0], 1 << 20, NULL, "pipe", &e);
	CHECK(s && strlen(s) == sizeof(big));
	free(s);
	close(pfd[0]);

	int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	e = NULL;
	s = cap_read_file_at(dfd, "ten", &len, &e);
	CHECK_STR(s, "0123456789");
	free(s);
	put("empty", "");
	s = cap_read_file_at(dfd, "empty", &len, &e);
	CHECK_STR(s, "");
	CHECK_INT(len, 0);
	free(s);
	s = cap_read_file_at(dfd, "missing", &len, &e);
	CHECK(!s);
	CHECK(e && e->errnum == ENOENT);
	CHECK(e && strncmp(e->msg, "open missing: ", 14) == 0);
	cap_error_free(e);
	close(dfd);
}

static void test_write_atomic(void)
{
	int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	struct cap_error *e = NULL;
	mode_t old = umask(0);
	CHECK_INT(cap_write_file_atomic(dfd, "atom", "first", 5, 0640, &e), 0);
	CHECK_INT(cap_write_file_atomic(dfd, "atom", "second!", 7, 0600, &e), 0);
	umask(old);
	CHECK(!e);
	size_t len;
	char *s = cap_read_file_at(dfd, "atom", &len, &e);
	CHECK_STR(s, "second!");
	free(s);
	struct stat st;
	CHECK(fstatat(dfd, "atom", &st, 0) == 0 && (st.st_mode & 07777) == 0600);
	CHECK_INT(count_entries(tmpdir, ".tmp."), 0);

	/* a directory in the way: the rename fails and the temp file goes */
	CHECK(mkdirat(dfd, "adir", 0755) == 0);
	put("adir/x", "x");
	CHECK_INT(cap_write_file_atomic(dfd, "adir", "y", 1, 0600, &e), -1);
	CHECK(e && strncmp(e->msg, "rename adir: ", 13) == 0);
	cap_error_free(e);
	e = NULL;
	CHECK_INT(count_entries(tmpdir, ".tmp."), 0);

	/* never writes through a symlink planted at the temp file's name */
	char tmpname[64];
	snprintf(tmpname, sizeof(tmpname), "victim.tmp.%d", (int)getpid());
	put("target", "keep");
	CHECK(symlinkat("target", dfd, tmpname) == 0);
	CHECK_INT(cap_write_file_atomic(dfd, "victim", "evil", 4, 0600, &e), -1);
	cap_error_free(e);
	e = NULL;
	s = cap_read_file_at(dfd, "target", &len, &e);
	CHECK_STR(s, "keep");
	free(s);
	unlinkat(dfd, tmpname, 0);

	char *p = tpath("pathatom");
	CHECK_INT(cap_write_path_atomic(p, "via path", 8, 0644, &e), 0);
	s = cap_read_file_at(dfd, "pathatom", &len, &e);
	CHECK_STR(s, "via path");
	free(s);
	free(p);
	p = tpath("nodir/file");
	CHECK_INT(cap_write_path_atomic(p, "x", 1, 0644, &e), -1);
	CHECK(e && e->errnum == ENOENT);
	cap_error_free(e);
	free(p);
	CHECK_INT(count_entries(tmpdir, ".tmp."), 0);
	close(dfd);
}

static void test_mkdir_p(void)
{
	struct cap_error *e = NULL;
	char *p = tpath("mk/a//b/c/");
	CHECK_INT(cap_mkdir_p(p, 0700, &e), 0);
	CHECK_INT(cap_mkdir_p(p, 0700, &e), 0); /* existing: fine */
	CHECK(!e);
	struct stat st;
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	free(p);
	put("mk/file", "x");
	p = tpath("mk/file/sub/dir");
	CHECK_INT(cap_mkdir_p(p, 0700, &e), -1);
	CHECK(e && e->errnum == ENOTDIR);
	char *want = cap_strdupf("mkdir %s/mk/file/sub/dir: ", tmpdir);
	CHECK(e && strncmp(e->msg, want, strlen(want)) == 0);
	free(want);
	cap_error_free(e);
	free(p);
	p = tpath("mk");
	e = NULL;
	CHECK_INT(cap_rm_rf(p, &e), 0);
	free(p);
}

static void test_rm_rf(void)
{
	struct cap_error *e = NULL;
	/* a tree with nested dirs and symlinks to things outside it */
	char *outside = tpath("outside");
	CHECK(mkdir(outside, 0755) == 0);
	put("outside/precious", "keep");
	char *tree = tpath("tree");
	char *deep = tpath("tree/a/b/c");
	CHECK_INT(cap_mkdir_p(deep, 0755, &e), 0);
	put("tree/a/b/c/f", "f");
	put("tree/a/g", "g");
	char *link = tpath("tree/a/b/out");
	CHECK(symlink(outside, link) == 0);
	char *flink = tpath("tree/a/flink");
	char *precious = tpath("outside/precious");
	CHECK(symlink(precious, flink) == 0);
	CHECK_INT(cap_rm_rf(tree, &e), 0);
	CHECK(!e);
	CHECK(!exists("tree"));
	CHECK(exists("outside/precious"));

	/* missing is success */
	CHECK_INT(cap_rm_rf(tree, &e), 0);
	CHECK(!e);

	/* a symlink given as the path itself is removed, not its target */
	CHECK(symlink(outside, tree) == 0);
	CHECK_INT(cap_rm_rf(tree, &e), 0);
	CHECK(!exists("tree"));
	CHECK(exists("outside/precious"));

	/* the *_at form */
	CHECK_INT(cap_mkdir_p(deep, 0755, &e), 0);
	put("tree/a/b/c/f", "f");
	int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	CHECK_INT(cap_rm_rf_at(dfd, "tree"), 0);
	CHECK(!exists("tree"));
	CHECK_INT(cap_rm_rf_at(dfd, "tree"), 0);
	close(dfd);
	free(outside);
	free(tree);
	free(deep);
	free(link);
	free(flink);
	free(precious);
}

/* Child of test_rm_rf_mount: in a private mount namespace, a tmpfs inside the tree
 * must stop the removal with EXDEV and keep its files.  Exits 0 ok, 1 failed, 77 when
 * mounts cannot be made here. */
static int rm_rf_mount_child(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return 77;
	char *tree = tpath("mtree");
	char *mnt = tpath("mtree/sub/mnt");
	struct cap_error *e = NULL;
	if (cap_mkdir_p(mnt, 0755, &e) < 0 || mount("tmpfs", mnt, "tmpfs", 0, NULL) < 0)
		return 77;
	put("mtree/sub/mnt/inside", "x");
	put("mtree/sub/beside", "y");
	int fails = 0;
	if (cap_rm_rf(tree, &e) != -1 || !e || e->errnum != EXDEV)
		fails++;
	cap_error_free(e);
	if (!exists("mtree/sub/mnt/inside") || exists("mtree/sub/beside"))
		fails++;
	/* _at refuses the mount point itself too */
	char *sub = tpath("mtree/sub");
	int dfd = open(sub, O_RDONLY | O_DIRECTORY);
	errno = 0;
	if (cap_rm_rf_at(dfd, "mnt") != -1 || errno != EXDEV || !exists("mtree/sub/mnt/inside"))
		fails++;
	close(dfd);
	umount2(mnt, MNT_DETACH);
	e = NULL;
	if (cap_rm_rf(tree, &e) != 0 || exists("mtree"))
		fails++;
	cap_error_free(e);
	free(sub);
	free(tree);
	free(mnt);
	return fails ? 1 : 0;
}

static void test_rm_rf_mount(void)
{
	if (geteuid() != 0) {
		printf("note: not root, mount-point check of cap_rm_rf skipped\n");
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(rm_rf_mount_child());
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("note: no private mount namespace here, mount-point check skipped\n");
		return;
	}
	CHECK_INT(WEXITSTATUS(status), 0);
	CHECK(!exists("mtree"));
}

static void test_strdupf(void)
{
	char *s = cap_strdupf("%s-%d-%05.1f", "a", 42, 3.14159);
	CHECK_STR(s, "a-42-003.1");
	free(s);
	char big[5000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = cap_strdupf("<%s>", big);
	CHECK(s && strlen(s) == sizeof(big) + 1);
	free(s);
}

/* criu is found this way (libcriu's own $PATH search runs on its copy of libc). */
static void test_find_program(void)
{
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char *p = cap_find_program("./relative/x");
	CHECK_STR(p, "./relative/x"); /* a name with '/' is taken as given */
	free(p);
	char *dir = cap_strdupf("%s/bin1", tmpdir), *dir2 = cap_strdupf("%s/bin2", tmpdir);
	mkdir(dir, 0755);
	mkdir(dir2, 0755);
	char *plain = cap_strdupf("%s/tool", dir), *exe = cap_strdupf("%s/tool", dir2);
	close(open(plain, O_WRONLY | O_CREAT, 0644)); /* not executable: skipped */
	close(open(exe, O_WRONLY | O_CREAT, 0755));
	char *sub = cap_strdupf("%s/tooldir", dir2);
	mkdir(sub, 0755);
	char *path = cap_strdupf("%s::%s", dir, dir2);
	setenv("PATH", path, 1);
	p = cap_find_program("tool");
	CHECK_STR(p, exe);
	free(p);
	CHECK(cap_find_program("tooldir") == NULL); /* a directory is no program */
	CHECK(cap_find_program("missing") == NULL);
	int here = open(".", O_RDONLY | O_DIRECTORY);
	if (here >= 0 && chdir(dir2) == 0) { /* an empty entry is ".", as in execvp */
		p = cap_path_search("tool", ":/nonexistent");
		CHECK_STR(p, "./tool");
		free(p);
		CHECK(fchdir(here) == 0);
	}
	if (here >= 0)
		close(here);
	unsetenv("PATH"); /* the usual default list: sh is in /bin or /usr/bin */
	p = cap_find_program("sh");
	CHECK(p && (strcmp(p, "/usr/bin/sh") == 0 || strcmp(p, "/bin/sh") == 0));
	free(p);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	free(path);
	free(sub);
	free(plain);
	free(exe);
	free(dir);
	free(dir2);
}

static void test_json_parse(void)
{
	struct cap_error *e = NULL;
	const char *ok = "{\"a\": 1, \"n\": null, \"s\": \"str\", \"o\": {}}";
	yajl_val v = cap_json_parse(ok, strlen(ok), true, "config.json", &e);
	CHECK(v && YAJL_IS_OBJECT(v));
	CHECK(!e);

	CHECK(cap_json_member(v, "n") == NULL);
	CHECK(cap_json_member(v, "missing") == NULL);
	CHECK(cap_json_member(v, "a") && YAJL_IS_INTEGER(cap_json_member(v, "a")));
	CHECK(cap_json_member(cap_json_member(v, "a"), "x") == NULL); /* not an object */
	CHECK(cap_json_member(NULL, "a") == NULL);
	CHECK_STR(cap_json_get_str(v, "s"), "str");
	CHECK(cap_json_get_str(v, "a") == NULL); /* wrong type */
	CHECK(cap_json_get_str(v, "missing") == NULL);
	CHECK(cap_json_get_str(NULL, "s") == NULL);
	CHECK(cap_json_get(v, "o", yajl_t_object) != NULL);
	CHECK(cap_json_get(v, "o", yajl_t_array) == NULL);
	CHECK(cap_json_get(v, "a", yajl_t_any) != NULL);
	yajl_tree_free(v);

	/* not NUL-terminated: copied, only len bytes parsed */
	const char *part = "[1,2]garbage";
	v = cap_json_parse(part, 5, false, "part", &e);
	CHECK(v && YAJL_IS_ARRAY(v) && v->u.array.len == 2);
	yajl_tree_free(v);

	/* errors: one line, naming `what`, no yajl prefix doubled */
	const char *bad = "{\"a\": [1, 2,,]}";
	v = cap_json_parse(bad, strlen(bad), true, "config.json", &e);
	CHECK(!v);
	CHECK(e && strncmp(e->msg, "config.json: parse error: ", 26) == 0);
	CHECK(e && !strchr(e->msg, '\n'));
	CHECK(e && !strstr(e->msg + 26, "parse error"));
	CHECK(e && e->msg[strlen(e->msg) - 1] != ' ');
	cap_error_free(e);
	e = NULL;

	v = cap_json_parse("", 0, true, "empty.json", &e);
	CHECK(!v);
	CHECK(e && strncmp(e->msg, "empty.json: parse error: ", 25) == 0);
	CHECK(e && !strchr(e->msg, '\n'));
	cap_error_free(e);
	e = NULL;

	/* a NUL inside the text would let yajl stop early: refused */
	const char nul[] = "{\"a\": 1}\0{\"b\": 2}";
	v = cap_json_parse(nul, sizeof(nul) - 1, false, "state.json", &e);
	CHECK(!v);
	CHECK(e && strcmp(e->msg, "state.json: parse error: NUL byte in JSON text") == 0);
	cap_error_free(e);
}

static void test_json_gen(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	cap_json_kv_str(g, "k", "v\"q");
	cap_json_kv_str(g, "null", NULL);
	const char *items[] = {"a", "b", NULL};
	cap_json_str_array(g, "arr", items);
	cap_json_str_array(g, "none", NULL);
	yajl_gen_map_close(g);
	char *s = cap_json_finish(g);
	yajl_gen_free(g);
	CHECK_STR(s, "{\"k\":\"v\\\"q\",\"null\":\"\",\"arr\":[\"a\",\"b\"],\"none\":[]}");
	free(s);
}

static void test_strv(void)
{
	CHECK_INT(cap_strv_len(NULL), 0);
	char *src[] = {"A=1", "B=2", NULL};
	char **v = cap_strv_dup(src);
	CHECK_INT(cap_strv_len(v), 2);
	CHECK(v && v[0] != src[0]);
	CHECK_STR(v ? v[1] : NULL, "B=2");
	CHECK_INT(cap_strv_setenv(&v, "B=3"), 0);
	CHECK_INT(cap_strv_len(v), 2);
	CHECK_STR(v[1], "B=3");
	/* a key that is a prefix of another is its own variable */
	CHECK_INT(cap_strv_setenv(&v, "A1=x"), 0);
	CHECK_INT(cap_strv_len(v), 3);
	CHECK_STR(v[0], "A=1");
	CHECK_STR(v[2], "A1=x");
	CHECK_INT(cap_strv_setenv(&v, "A="), 0);
	CHECK_STR(v[0], "A=");
	CHECK(v[3] == NULL);
	cap_strv_free(v);

	char **empty = cap_strv_dup(NULL);
	CHECK(empty && empty[0] == NULL);
	CHECK_INT(cap_strv_setenv(&empty, "X=1"), 0);
	CHECK_INT(cap_strv_len(empty), 1);
	cap_strv_free(empty);
	cap_strv_free(NULL);
}

static void test_ns_table(void)
{
	/* user first (its privileges let the others be joined), mount last */
	CHECK_STR(cap_ns_table[0].name, "user");
	CHECK_STR(cap_ns_table[CAP_NS_COUNT - 1].name, "mount");
	CHECK_STR(cap_ns_table[CAP_NS_MOUNT].proc, "mnt");
	CHECK_STR(cap_ns_table[CAP_NS_NET].proc, "net");
	CHECK_STR(cap_ns_table[CAP_NS_NET].name, "network");
	for (int i = 0; i < CAP_NS_COUNT; i++) {
		const struct cap_ns_info *n = &cap_ns_table[i];
		CHECK(n->name && n->proc && n->clone_flag);
		CHECK(cap_ns_by_name(n->name) == n);
		CHECK(cap_ns_by_flag(n->clone_flag) == n);
		CHECK_INT(cap_ns_index(n->clone_flag), i);
		for (int j = 0; j < i; j++)
			CHECK(cap_ns_table[j].clone_flag != n->clone_flag);
	}
	CHECK_INT(cap_ns_index(CLONE_NEWPID), CAP_NS_PID);
	CHECK_INT(cap_ns_index(CLONE_NEWNS), CAP_NS_MOUNT);
	CHECK_INT(cap_ns_index(CLONE_NEWUSER), CAP_NS_USER);
	CHECK_INT(cap_ns_index(0), CAP_NS_COUNT);
	CHECK_INT(cap_ns_index(CLONE_VM), CAP_NS_COUNT);
	CHECK(cap_ns_by_flag(CLONE_VM) == NULL);
	CHECK(cap_ns_by_name("net") == NULL); /* the OCI name is "network" */
	CHECK(cap_ns_by_name("") == NULL);
}

int main(void)
{
	if (unit_tmp_init() < 0)
		return 1;
	test_id_map_format();
	test_id_map_write_errors();
	test_read();
	test_write_atomic();
	test_mkdir_p();
	test_rm_rf();
	test_rm_rf_mount();
	test_strdupf();
	test_find_program();
	test_json_parse();
	test_json_gen();
	test_strv();
	test_ns_table();
	unit_tmp_done();
	return UNIT_DONE();
}
