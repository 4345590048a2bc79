/* capsule spec [--rootless] [--bundle DIR]: write a default config.json, the
 * one `runc spec` writes (same mounts, capabilities, masked and read-only
 * paths; `--rootless` makes the same changes as runc's), at runtime-spec
 * 1.2.0, plus the default seccomp profile from seccomp/: oci/'s generator,
 * the one run --image uses too. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../oci/oci.h"
#include "../lib/cleanup.h"
#include "../lib/file.h"
#include "../seccomp/seccomp.h"
#include "cmd.h"

CMD(spec)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, 0, 'b'},
	    {"rootless", no_argument, 0, 'r'},
	    {0, 0, 0, 0},
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return 1;
	}
	if (cmd_require_args(g, "spec", argc - optind, 0) < 0)
		return 1;

	cleanup_close int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return cmd_errorf(g, "chdir %s: %s", bundle, strerror(errno));
	cleanup_free char *json = NULL;
	struct oci_spec_opts so = {
	    .rootless = rootless,
	    .root_readonly = true,
	    .seccomp_json = sc_default_profile_json(),
	};
	struct cap_error *err = NULL;
	if (oci_default_spec(&so, &json, &err) < 0) {
		int rc = cmd_report(g, err);
		cap_error_free(err);
		return rc;
	}
	/* O_EXCL: never overwrite, and no window between a check and the write. */
	cleanup_close int fd =
	    openat(dir, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return cmd_errorf(g, "File config.json exists. Remove it first");
	if (fd < 0)
		return cmd_errorf(g, "open %s/config.json: %s", bundle, strerror(errno));
	if (cap_write_all(fd, json, strlen(json)) < 0) {
		int saved = errno;
		unlinkat(dir, "config.json", 0);
		return cmd_errorf(g, "write %s/config.json: %s", bundle, strerror(saved));
	}
	return 0;
}
