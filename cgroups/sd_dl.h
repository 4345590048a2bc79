/* libsystemd, opened with dlopen the first time --systemd-cgroup needs it:
 * linked at build time it would cost every capsule call ~5 ms of loading
 * (libsystemd pulls libgcrypt, lz4, zstd, lzma) for a driver most calls
 * never use.  Include after nothing else that uses sd_* names. */
#ifndef CAPSULE_CGROUPS_SD_DL_H
#define CAPSULE_CGROUPS_SD_DL_H

#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "../lib/error.h"

#define CG_DL_SYMS(X)                                                                              \
	X(sd_booted)                                                                               \
	X(sd_bus_call)                                                                             \
	X(sd_bus_call_method)                                                                      \
	X(sd_bus_error_get_errno)                                                                  \
	X(sd_bus_error_has_name)                                                                   \
	X(sd_bus_error_has_names_sentinel)                                                         \
	X(sd_bus_error_is_set)                                                                     \
	X(sd_bus_error_free)                                                                       \
	X(sd_bus_flush_close_unref)                                                                \
	X(sd_bus_get_property_string)                                                              \
	X(sd_bus_match_signal)                                                                     \
	X(sd_bus_message_append)                                                                   \
	X(sd_bus_message_append_array)                                                             \
	X(sd_bus_message_close_container)                                                          \
	X(sd_bus_message_new_method_call)                                                          \
	X(sd_bus_message_open_container)                                                           \
	X(sd_bus_message_read)                                                                     \
	X(sd_bus_message_unref)                                                                    \
	X(sd_bus_new)                                                                              \
	X(sd_bus_open_system)                                                                      \
	X(sd_bus_open_user)                                                                        \
	X(sd_bus_process)                                                                          \
	X(sd_bus_set_address)                                                                      \
	X(sd_bus_slot_unref)                                                                       \
	X(sd_bus_start)                                                                            \
	X(sd_bus_wait)                                                                             \
	X(free)

#define X(f) extern __typeof__(f) *cg_dl_##f;
CG_DL_SYMS(X)
#undef X

/* Load the library once; a clear error when it is missing.  cg_dl_free is the
 * library's own free(): capsule is a static binary, so a dlopen'ed library runs on
 * a second copy of libc whose heap only its own free() may release (strings that
 * sd-bus hands over, like sd_bus_get_property_string's). */
int cg_sd_dlopen(struct cap_error **err);

/* Calls below go through the pointers cg_sd_dlopen filled in. */
#define sd_booted(...)			     cg_dl_sd_booted(__VA_ARGS__)
#define sd_bus_call(...)		     cg_dl_sd_bus_call(__VA_ARGS__)
#define sd_bus_call_method(...)		     cg_dl_sd_bus_call_method(__VA_ARGS__)
#define sd_bus_error_get_errno(...)	     cg_dl_sd_bus_error_get_errno(__VA_ARGS__)
#define sd_bus_error_has_name(...)	     cg_dl_sd_bus_error_has_name(__VA_ARGS__)
#define sd_bus_error_has_names_sentinel(...) cg_dl_sd_bus_error_has_names_sentinel(__VA_ARGS__)
#define sd_bus_error_is_set(...)	     cg_dl_sd_bus_error_is_set(__VA_ARGS__)
#define sd_bus_error_free(...)		     cg_dl_sd_bus_error_free(__VA_ARGS__)
#define sd_bus_flush_close_unref(...)	     cg_dl_sd_bus_flush_close_unref(__VA_ARGS__)
#define sd_bus_get_property_string(...)	     cg_dl_sd_bus_get_property_string(__VA_ARGS__)
#define sd_bus_match_signal(...)	     cg_dl_sd_bus_match_signal(__VA_ARGS__)
#define sd_bus_message_append(...)	     cg_dl_sd_bus_message_append(__VA_ARGS__)
#define sd_bus_message_append_array(...)     cg_dl_sd_bus_message_append_array(__VA_ARGS__)
#define sd_bus_message_close_container(...)  cg_dl_sd_bus_message_close_container(__VA_ARGS__)
#define sd_bus_message_new_method_call(...)  cg_dl_sd_bus_message_new_method_call(__VA_ARGS__)
#define sd_bus_message_open_container(...)   cg_dl_sd_bus_message_open_container(__VA_ARGS__)
#define sd_bus_message_read(...)	     cg_dl_sd_bus_message_read(__VA_ARGS__)
#define sd_bus_message_unref(...)	     cg_dl_sd_bus_message_unref(__VA_ARGS__)
#define sd_bus_new(...)			     cg_dl_sd_bus_new(__VA_ARGS__)
#define sd_bus_open_system(...)		     cg_dl_sd_bus_open_system(__VA_ARGS__)
#define sd_bus_open_user(...)		     cg_dl_sd_bus_open_user(__VA_ARGS__)
#define sd_bus_process(...)		     cg_dl_sd_bus_process(__VA_ARGS__)
#define sd_bus_set_address(...)		     cg_dl_sd_bus_set_address(__VA_ARGS__)
#define sd_bus_slot_unref(...)		     cg_dl_sd_bus_slot_unref(__VA_ARGS__)
#define sd_bus_start(...)		     cg_dl_sd_bus_start(__VA_ARGS__)
#define sd_bus_wait(...)		     cg_dl_sd_bus_wait(__VA_ARGS__)

#endif
