/* bench/cdi-resolve: CPU time of one CDI resolution in-process, as create
 * does it before anything exists: parse a config, load the spec dir, apply
 * 4 devices (stat of each node, 20 mounts, env).  Built and run by bench/cdi:
 *   cdi-resolve SPEC_DIR N   -> "<µs> us per resolution" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../gpu/gpu.h"

static const char cfg[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			  "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,"
			  "\"gid\":0}}}";

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	const char *dirs[] = {argv[1]};
	const char *names[] = {"bench.example.com/gpu=0", "bench.example.com/gpu=1",
			       "bench.example.com/gpu=2", "bench.example.com/gpu=3"};
	struct gpu_request r = {
	    .devices = names, .n_devices = 4, .spec_dirs = dirs, .n_spec_dirs = 1};
	int n = atoi(argv[2]);
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (int i = 0; i < n; i++) {
		struct cap_error *err = NULL;
		struct spec *s = spec_parse(cfg, strlen(cfg), &err);
		if (!s || gpu_apply(s, &r, &err) < 0) {
			fprintf(stderr, "cdi-resolve: %s\n", err ? err->msg : "failed");
			return 1;
		}
		spec_free(s);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%.1f us per resolution\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n / 1000);
	return 0;
}
