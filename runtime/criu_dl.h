/* libcriu, opened with dlopen by checkpoint/restore only: every other
 * capsule call would pay for loading it (and libprotobuf-c). */
#ifndef CAPSULE_RUNTIME_CRIU_DL_H
#define CAPSULE_RUNTIME_CRIU_DL_H

#include <criu/criu.h>

#include "../lib/error.h"

#define RT_DL_SYMS(X)                                                                              \
	X(criu_local_add_cg_root)                                                                  \
	X(criu_local_add_ext_mount)                                                                \
	X(criu_local_add_external)                                                                 \
	X(criu_local_add_inherit_fd)                                                               \
	X(criu_local_dump)                                                                         \
	X(criu_local_free_opts)                                                                    \
	X(criu_local_init_opts)                                                                    \
	X(criu_local_pre_dump)                                                                     \
	X(criu_local_restore)                                                                      \
	X(criu_local_set_ext_unix_sk)                                                              \
	X(criu_local_set_file_locks)                                                               \
	X(criu_local_set_auto_dedup)                                                               \
	X(criu_local_set_freeze_cgroup)                                                            \
	X(criu_local_set_images_dir_fd)                                                            \
	X(criu_local_set_leave_running)                                                            \
	X(criu_local_set_log_file)                                                                 \
	X(criu_local_set_log_level)                                                                \
	X(criu_local_set_manage_cgroups)                                                           \
	X(criu_local_set_manage_cgroups_mode)                                                      \
	X(criu_local_set_orphan_pts_master)                                                        \
	X(criu_local_set_parent_images)                                                            \
	X(criu_local_set_pid)                                                                      \
	X(criu_local_set_root)                                                                     \
	X(criu_local_set_service_fd)                                                               \
	X(criu_local_set_shell_job)                                                                \
	X(criu_local_set_tcp_established)                                                          \
	X(criu_local_set_track_mem)                                                                \
	X(criu_local_set_work_dir_fd)                                                              \
	X(criu_local_set_notify_cb)                                                                \
	X(criu_notify_pid)                                                                         \
	X(criu_get_orphan_pts_master_fd)

#define X(f) extern __typeof__(f) *rt_dl_##f;
RT_DL_SYMS(X)
#undef X

/* Load the library once; a clear error when it is missing. */
int criu_dlopen(struct cap_error **err);

/* Calls below go through the pointers criu_dlopen filled in. */
#define criu_local_add_cg_root(...)	   rt_dl_criu_local_add_cg_root(__VA_ARGS__)
#define criu_local_add_ext_mount(...)	   rt_dl_criu_local_add_ext_mount(__VA_ARGS__)
#define criu_local_add_external(...)	   rt_dl_criu_local_add_external(__VA_ARGS__)
#define criu_local_add_inherit_fd(...)	   rt_dl_criu_local_add_inherit_fd(__VA_ARGS__)
#define criu_local_dump(...)		   rt_dl_criu_local_dump(__VA_ARGS__)
#define criu_local_free_opts(...)	   rt_dl_criu_local_free_opts(__VA_ARGS__)
#define criu_local_init_opts(...)	   rt_dl_criu_local_init_opts(__VA_ARGS__)
#define criu_local_pre_dump(...)	   rt_dl_criu_local_pre_dump(__VA_ARGS__)
#define criu_local_restore(...)		   rt_dl_criu_local_restore(__VA_ARGS__)
#define criu_local_set_ext_unix_sk(...)	   rt_dl_criu_local_set_ext_unix_sk(__VA_ARGS__)
#define criu_local_set_auto_dedup(...)	   rt_dl_criu_local_set_auto_dedup(__VA_ARGS__)
#define criu_local_set_file_locks(...)	   rt_dl_criu_local_set_file_locks(__VA_ARGS__)
#define criu_local_set_freeze_cgroup(...)  rt_dl_criu_local_set_freeze_cgroup(__VA_ARGS__)
#define criu_local_set_images_dir_fd(...)  rt_dl_criu_local_set_images_dir_fd(__VA_ARGS__)
#define criu_local_set_leave_running(...)  rt_dl_criu_local_set_leave_running(__VA_ARGS__)
#define criu_local_set_log_file(...)	   rt_dl_criu_local_set_log_file(__VA_ARGS__)
#define criu_local_set_log_level(...)	   rt_dl_criu_local_set_log_level(__VA_ARGS__)
#define criu_local_set_manage_cgroups(...) rt_dl_criu_local_set_manage_cgroups(__VA_ARGS__)
#define criu_local_set_manage_cgroups_mode(...)                                                    \
	rt_dl_criu_local_set_manage_cgroups_mode(__VA_ARGS__)
#define criu_local_set_orphan_pts_master(...) rt_dl_criu_local_set_orphan_pts_master(__VA_ARGS__)
#define criu_local_set_parent_images(...)     rt_dl_criu_local_set_parent_images(__VA_ARGS__)
#define criu_local_set_pid(...)		      rt_dl_criu_local_set_pid(__VA_ARGS__)
#define criu_local_set_root(...)	      rt_dl_criu_local_set_root(__VA_ARGS__)
#define criu_local_set_service_fd(...)	      rt_dl_criu_local_set_service_fd(__VA_ARGS__)
#define criu_local_set_shell_job(...)	      rt_dl_criu_local_set_shell_job(__VA_ARGS__)
#define criu_local_set_tcp_established(...)   rt_dl_criu_local_set_tcp_established(__VA_ARGS__)
#define criu_local_set_track_mem(...)	      rt_dl_criu_local_set_track_mem(__VA_ARGS__)
#define criu_local_set_work_dir_fd(...)	      rt_dl_criu_local_set_work_dir_fd(__VA_ARGS__)
#define criu_local_set_notify_cb(...)	      rt_dl_criu_local_set_notify_cb(__VA_ARGS__)
#define criu_notify_pid(...)		      rt_dl_criu_notify_pid(__VA_ARGS__)
#define criu_get_orphan_pts_master_fd(...)    rt_dl_criu_get_orphan_pts_master_fd(__VA_ARGS__)

#endif
