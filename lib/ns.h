/* The namespace table: OCI name, /proc/<pid>/ns/ name and CLONE_NEW* flag of each
 * namespace, indexed by enum cap_ns.  Arrays of namespace fds are indexed the same way
 * (int fds[CAP_NS_COUNT]), so code names the namespace it means instead of a position. */
#ifndef CAPSULE_LIB_NS_H
#define CAPSULE_LIB_NS_H

/* Order matters: it is the order in which new namespaces are set up and joined
 * namespaces are entered (user first, so the others can be joined with the
 * privileges it grants; mount last, since entering it changes path lookup). */
enum cap_ns {
	CAP_NS_USER,
	CAP_NS_PID,
	CAP_NS_NET,
	CAP_NS_IPC,
	CAP_NS_UTS,
	CAP_NS_CGROUP,
	CAP_NS_TIME,
	CAP_NS_MOUNT,
	CAP_NS_COUNT
};

struct cap_ns_info {
	const char *name; /* OCI name: "pid", "network", "mount", ... */
	const char *proc; /* /proc/<pid>/ns/<proc> */
	int clone_flag;	  /* CLONE_NEW* */
};

extern const struct cap_ns_info cap_ns_table[CAP_NS_COUNT];

/* The entry for an OCI name or a CLONE_NEW* flag; NULL if unknown. */
const struct cap_ns_info *cap_ns_by_name(const char *name);
const struct cap_ns_info *cap_ns_by_flag(int clone_flag);
/* The index of a CLONE_NEW* flag, CAP_NS_COUNT if unknown. */
enum cap_ns cap_ns_index(int clone_flag);

struct cap_error;
/* pid and time namespaces apply to the children a process clones next, not to itself:
 * enter the one of `fd` (type CLONE_NEWPID or CLONE_NEWTIME) around a clone, keeping
 * ours in *saved; leave puts us back and fails loudly, since a runtime left in a
 * container's pid namespace would put its later children (hooks) there too. */
int cap_ns_enter_for_children(int fd, int type, int *saved, struct cap_error **err);
int cap_ns_leave_for_children(int *saved, int type, struct cap_error **err);

#endif
