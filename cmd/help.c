/* Help texts: `capsule --help`, `capsule help [CMD]`, `capsule CMD --help`.
 * The layout is runc's (urfave/cli): NAME, USAGE, DESCRIPTION, OPTIONS, so
 * that scripts and people who read runc's help find the same sections.
 * Every command's flags are listed here; the command files parse them. */
#include "help.h"

#include <stdio.h>
#include <string.h>

struct help_opt {
	const char *flag; /* "--bundle value, -b value": " value" marks an argument */
	const char *desc;
};

struct cmd_help {
	const char *name, *summary, *args, *description;
	const struct help_opt *opts;
};

#define OPTS(...) ((const struct help_opt[]){__VA_ARGS__, {0, 0}})
#define ID_ONLY	  "<container-id>"

static const struct help_opt create_opts[] = {
    {"--bundle value, -b value", "path to the bundle directory (default: the current directory)"},
    {"--console-socket value", "AF_UNIX socket that receives the pty master of a terminal"},
    {"--pid-file value", "write the container process's pid to this file"},
    {"--no-pivot", "chroot instead of pivot_root (rootfs on a ramdisk); /proc is still masked"},
    {"--no-new-keyring", "keep the caller's session keyring"},
    {"--preserve-fds value", "pass N more file descriptors (after stdio and $LISTEN_FDS)"},
    {"--pidfd-socket value", "AF_UNIX socket that receives a pidfd of the process"},
    {"--image value", "rootfs from the layer store: an overlay of image NAME (see 'image')"},
    {"--device value", "add a CDI device (vendor.com/class=name)"},
    {"--gpus value", "add GPUs: all, or a comma list of indexes/UUIDs"},
    {"--memory-ksm", "let the kernel merge identical pages of the container (KSM)"},
    {"--memory-reclaim value", "proactive reclaim mode of the container (see 'memory')"},
    {"--memory-psi-target value", "memory pressure target (PSI some avg10, percent)"},
    {0, 0},
};

static const struct help_opt run_opts[] = {
    {"--bundle value, -b value", "path to the bundle directory (default: the current directory)"},
    {"--console-socket value", "AF_UNIX socket that receives the pty master of a terminal"},
    {"--detach, -d", "do not wait for the container process"},
    {"--keep", "keep the stopped container (delete it later)"},
    {"--pid-file value", "write the container process's pid to this file"},
    {"--no-pivot", "chroot instead of pivot_root (rootfs on a ramdisk); /proc is still masked"},
    {"--no-new-keyring", "keep the caller's session keyring"},
    {"--no-subreaper", "accepted for runc compatibility (no effect)"},
    {"--preserve-fds value", "pass N more file descriptors (after stdio and $LISTEN_FDS)"},
    {"--pidfd-socket value", "AF_UNIX socket that receives a pidfd of the process"},
    {"--image value", "rootfs from the layer store: an overlay of image NAME (see 'image')"},
    {"--device value", "add a CDI device (vendor.com/class=name)"},
    {"--gpus value", "add GPUs: all, or a comma list of indexes/UUIDs"},
    {0, 0},
};

static const struct help_opt criu_opts[] = {
    {"--image-path value", "directory of the checkpoint images"},
    {"--work-path value", "directory for CRIU's logs and work files"},
    {"--tcp-established", "allow established TCP connections"},
    {"--ext-unix-sk", "allow external unix sockets"},
    {"--shell-job", "allow a shell job (a terminal of the caller)"},
    {"--file-locks", "handle file locks"},
    {"--manage-cgroups-mode value", "cgroups mode: soft, full, strict or ignore"},
    {"--empty-ns value", "not supported (refused)"},
    {"--auto-dedup", "deduplicate pages of the parent image"},
    {0, 0},
};

static const struct cmd_help helps[] = {
    {"checkpoint", "checkpoint a running container (CRIU)", ID_ONLY,
     "Dumps the container's processes to --image-path with CRIU; the container stops\n"
     "unless --leave-running is given.",
     OPTS({"--parent-path value", "path of a previous (pre-)dump, relative to --image-path"},
	  {"--leave-running", "keep the container running after the checkpoint"},
	  {"--pre-dump", "dump memory only, for a later dump with --parent-path"},
	  {"(and the CRIU options below)", ""})},
    {"create", "create a container", ID_ONLY,
     "Creates a container from a bundle (a directory with config.json and a root\n"
     "filesystem).  The process waits for 'capsule start'.",
     create_opts},
    {"delete", "delete any resources held by the container", ID_ONLY,
     "Deletes a stopped container: state, cgroup, mounts.  --force also kills a\n"
     "running or created one.",
     OPTS({"--force, -f", "kill the container first if it still runs"})},
    {"events", "display container events such as OOM notifications and stats", ID_ONLY,
     "Prints one JSON object per event: stats every --interval, and oom.  The stream\n"
     "ends when the container stops or is deleted.",
     OPTS({"--interval value, -i value", "time between stats events (default: 5s)"},
	  {"--stats, -s", "print the stats once and exit"})},
    {"exec", "execute new process inside the container",
     "<container-id> <command> [command options]  || -p process.json <container-id>",
     "Runs a new process in the namespaces and cgroup of a running container.  It\n"
     "exits with the process's status (255 when it cannot be started).",
     OPTS({"--console-socket value", "AF_UNIX socket that receives the pty master"},
	  {"--cwd value", "working directory in the container"},
	  {"--env value, -e value", "set an environment variable (NAME=VALUE)"},
	  {"--tty, -t", "allocate a pseudo-terminal"},
	  {"--user value, -u value", "uid[:gid] of the process"},
	  {"--additional-gids value, -g value", "additional gids"},
	  {"--process value, -p value", "path to a process.json (runtime-spec process)"},
	  {"--detach, -d", "do not wait for the process"},
	  {"--pid-file value", "write the process's pid to this file"},
	  {"--process-label value", "accepted for runc compatibility (no SELinux)"},
	  {"--apparmor value", "accepted for runc compatibility (no AppArmor)"},
	  {"--no-new-privs", "set no_new_privs for the process"},
	  {"--cap value, -c value", "add a capability to the process's sets"},
	  {"--preserve-fds value", "pass N more file descriptors"},
	  {"--cgroup value", "run in this (existing) sub-cgroup of the container's cgroup"},
	  {"--pidfd-socket value", "AF_UNIX socket that receives a pidfd of the process"},
	  {"--ignore-paused", "allow exec in a paused container (runs at resume)"})},
    {"features", "show the enabled features", "",
     "Prints the runtime-spec features document (JSON): what this build and host support.", NULL},
    {"kill", "send a signal to the container's init process", "<container-id> [signal]",
     "Sends SIGNAL (default SIGTERM; a name or a number, 0 checks liveness) to the\n"
     "container's init process.",
     OPTS({"--all, -a", "signal every process of the container"})},
    {"list", "list containers started by capsule with the given root", "",
     "Lists the containers under --root, sorted by id.",
     OPTS({"--format value, -f value", "table or json (default: table)"},
	  {"--quiet, -q", "print the ids only"})},
    {"ps", "display the processes running inside a container", "<container-id> [ps options]",
     "Lists the container's processes (ps -ef columns, or a JSON list of pids).",
     OPTS({"--format value, -f value", "table or json (default: table)"})},
    {"run", "create and run a container", ID_ONLY,
     "Creates and starts a container from a bundle, and waits for it unless --detach.", run_opts},
    {"spec", "create a new specification file", "",
     "Writes a default config.json (runtime-spec) into the bundle directory.",
     OPTS({"--bundle value, -b value", "directory to write config.json to"},
	  {"--rootless", "a spec for a container started by an unprivileged user"})},
    {"image", "manage images in the layer store (import, ls, inspect, rm, gc)",
     "COMMAND [arguments...]",
     "Imports OCI image layouts into a content-addressed layer store, from which\n"
     "containers get overlay root filesystems.  Commands: import PATH..., ls [-q],\n"
     "inspect REF, rm REF..., gc, rm-container ID..., try REF ID CMD..., bundle [-t]\n"
     "REF DIR [ARGS...] ('capsule image' alone describes each).",
     OPTS({"--store value, -s value", "layer store directory"})},
    {"start", "execute the user-defined process in a created container", ID_ONLY,
     "Starts the process of a created container.", NULL},
    {"state", "output the state of a container", ID_ONLY,
     "Prints the runtime-spec state of the container (JSON).", NULL},
    {"pause", "pause all processes inside the container", ID_ONLY,
     "Freezes the container's cgroup.", NULL},
    {"resume", "resume all processes that have been previously paused", ID_ONLY,
     "Thaws the container's cgroup.", NULL},
    {"update", "update container resource constraints", ID_ONLY,
     "Changes the resource limits of a created, running or paused container and saves\n"
     "them.  Flags given beside --resources override its fields.",
     OPTS({"--resources value, -r value", "OCI LinuxResources JSON file ('-': stdin)"},
	  {"--blkio-weight value", "block IO weight (10-1000)"},
	  {"--cpu-period value", "CPU CFS period (us); the quota is kept"},
	  {"--cpu-quota value", "CPU CFS quota (us); the period is kept"},
	  {"--cpu-share value", "CPU shares (relative weight)"},
	  {"--cpu-rt-period value", "realtime period (cgroup v1 only: refused)"},
	  {"--cpu-rt-runtime value", "realtime runtime (cgroup v1 only: refused)"},
	  {"--cpuset-cpus value", "CPUs to use (0-3, 0,1)"},
	  {"--cpuset-mems value", "memory nodes to use"},
	  {"--memory value", "memory limit in bytes (suffixes k m g; -1: unlimited)"},
	  {"--memory-reservation value", "memory soft limit in bytes"},
	  {"--memory-swap value", "memory+swap limit in bytes (-1: unlimited)"},
	  {"--kernel-memory value", "ignored with a warning (no kernel memory limits)"},
	  {"--kernel-memory-tcp value", "ignored with a warning"},
	  {"--pids-limit value", "maximum number of processes (-1: unlimited)"},
	  {"--l3-cache-schema value", "Intel RDT: refused (not supported)"},
	  {"--mem-bw-schema value", "Intel RDT: refused (not supported)"})},
    {"restore", "restore a container from a previous checkpoint (CRIU)", ID_ONLY,
     "Restores the processes dumped by 'capsule checkpoint' into a new container.",
     OPTS({"--bundle value, -b value", "path to the bundle directory"},
	  {"--detach, -d", "do not wait for the restored container"},
	  {"--pid-file value", "write the restored process's pid to this file"},
	  {"--console-socket value", "socket that gets the restored terminal's pty master"},
	  {"--no-pivot", "chroot instead of pivot_root"},
	  {"--no-subreaper", "accepted for runc compatibility (no effect)"},
	  {"--lazy-pages", "not supported (refused)"}, {"(the CRIU options below)", ""})},
    {"job", "reproducible jobs: run with provenance, verify, check",
     "run|verify|check [command options] [arguments...]",
     "run: a job from a pinned image (NAME@sha256:DIGEST) with recorded provenance;\n"
     "verify: check a record (--rerun runs it again); check: run twice and compare.\n"
     "'capsule job' alone lists every flag of each.",
     NULL},
    {"memory", "memory pressure: status of containers and host, reclaim controller",
     "status [ID...] | watch [command options]",
     "status: memory of the containers and the host; watch: the reclaim controller.",
     OPTS({"--format value, -f value", "table or json (status, watch)"},
	  {"--interval value, -i value", "seconds between rounds (watch)"},
	  {"--psi-target value, -p value", "pressure target, percent (watch)"},
	  {"--once, -o", "one round only (watch)"})},
    {"cdi", "CDI devices: list, validate FILE", "list | validate FILE",
     "Lists the CDI devices of the spec dirs, or validates one CDI spec file.", NULL},
    {"gpu", "GPUs found on this host: list [--cdi]", "list [--cdi]",
     "Lists the GPUs of this host; --cdi prints a CDI spec for them.", NULL},
};

static const struct cmd_help *lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].name, name) == 0)
			return &helps[i];
	return NULL;
}

static void print_opts(FILE *f, const struct help_opt *o)
{
	for (; o && o->flag; o++)
		fprintf(f, "   %-36s %s\n", o->flag, o->desc);
}

static bool is_criu(const char *name)
{
	return strcmp(name, "checkpoint") == 0 || strcmp(name, "restore") == 0;
}

int help_command(FILE *f, const char *name)
{
	const struct cmd_help *h = lookup(name);
	if (!h) { /* a command without a help entry yet: the bare layout */
		fprintf(f, "NAME:\n   capsule %s\n\nUSAGE:\n   capsule %s [arguments...]\n", name,
			name);
		return 0;
	}
	fprintf(f, "NAME:\n   capsule %s - %s\n\nUSAGE:\n   capsule %s%s%s%s\n\n", h->name,
		h->summary, h->name, h->opts ? " [command options]" : "", *h->args ? " " : "",
		h->args);
	fprintf(f, "DESCRIPTION:\n   %s\n", h->description);
	if (h->opts) {
		fprintf(f, "\nOPTIONS:\n");
		print_opts(f, h->opts);
		if (is_criu(name))
			print_opts(f, criu_opts);
	}
	return 0;
}

/* Whether flag (as given: "-b", "--bundle", "-bundle", "--bundle=x") of
 * command name takes the next argument as its value. */
static bool takes_value(const struct cmd_help *h, const char *flag)
{
	if (!h || strchr(flag, '='))
		return false;
	flag += strspn(flag, "-");
	size_t n = strlen(flag);
	const struct help_opt *lists[] = {h->opts, is_criu(h->name) ? criu_opts : NULL};
	for (size_t l = 0; l < 2; l++)
		for (const struct help_opt *o = lists[l]; o && o->flag; o++)
			for (const char *p = o->flag; (p = strstr(p, flag)); p += n)
				if ((p > o->flag && p[-1] == '-') &&
				    strncmp(p + n, " value", 6) == 0)
					return true;
	return false;
}

bool help_wanted(const char *name, int argc, char **argv)
{
	const struct cmd_help *h = lookup(name);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || strcmp(a, "--") == 0 || strcmp(a, "-") == 0)
			return false; /* the first argument: what follows is not ours */
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "-help") == 0)
			return true;
		if (takes_value(h, a))
			i++;
	}
	return false;
}

void help_program(FILE *f, const char *version)
{
	fprintf(f,
		"NAME:\n   capsule - an OCI container runtime\n\n"
		"capsule runs containers from OCI bundles (a config.json and a root filesystem)\n"
		"as the runtime-spec describes; its command line is runc's.\n\n"
		"To start a new instance of a container:\n\n"
		"    # capsule run [ -b bundle ] <container-id>\n\n"
		"USAGE:\n   capsule [global options] command [command options] [arguments...]\n\n"
		"VERSION:\n   %s\n\nCOMMANDS:\n",
		version);
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		fprintf(f, "   %-11s %s\n", helps[i].name, helps[i].summary);
	fprintf(f, "   %-11s %s\n", "help, h", "show the commands, or the help of one command");
	fprintf(f, "\nGLOBAL OPTIONS:\n"
		   "   --debug                enable debug logging\n"
		   "   --log value            log file (default: stderr)\n"
		   "   --log-format value     log format: text or json (default: text)\n"
		   "   --root value           state directory (default: /run/capsule, or\n"
		   "                          $XDG_RUNTIME_DIR/capsule when rootless)\n"
		   "   --criu value           criu binary for checkpoint/restore (default: criu)\n"
		   "   --systemd-cgroup       use the systemd cgroup driver (slice:prefix:name)\n"
		   "   --rootless value       true, false or auto (default: auto)\n"
		   "   --cdi-spec-dir value   CDI spec directory (repeatable)\n"
		   "   --help, -h             show help\n"
		   "   --version, -v          print the version\n");
}
