// The rootless network namespace of user-defined networks (RootlessNetns.swift):
// the one pasta process that connects it to the host, started inside the
// rootless user namespace so that berth (its owner) can later open the
// namespace it holds through /proc/PID/fd.
#ifndef BERTH_ROOTLESS_NETNS_H
#define BERTH_ROOTLESS_NETNS_H

#include <sys/types.h>

/// "BERTH_JOIN_NETNS_FD": a berth started with it set to N joins the network
/// namespace open on fd N before main, after the user namespace of
/// BERTH_JOIN_USERNS_FD when that is set too (userns_join.c).
extern const char *const BERTH_JOIN_NETNS_ENV;

/// Starts `exe` (pasta) with `argv`/`envp` not bound to any thread of berth's
/// (it outlives the command that starts it), in a session of its own, stdin
/// /dev/null, stdout and stderr on `output`, after joining the user namespace
/// open on `userns` (-1: the caller is in it already). Its fd 3 is a network namespace: `netns` when >= 0, else a
/// new one, made by a short-lived grandchild cloned with CLONE_NEWNET inside
/// that user namespace (so the namespace belongs to it). The helper keeps no
/// other fd of berth's. Returns once it has exec'd: the pid, with *pidfd its
/// pidfd (close-on-exec); or -1 with errno (an exec failure's included).
pid_t berth_spawn_rootless_netns_helper(const char *exe, char *const argv[], char *const envp[], int userns,
                                        int netns, int output, int *pidfd);

#endif
