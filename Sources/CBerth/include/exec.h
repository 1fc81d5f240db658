// `berth exec` (design.md §2): a new process in a running container's
// namespaces, with the container's security settings, and no process of
// berth's left behind it.
#ifndef BERTH_EXEC_H
#define BERTH_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "launch.h"

/// One namespace of the container to join: an fd of /proc/PID/ns/NAME and its
/// CLONE_NEW* type.
struct berth_exec_namespace {
    int fd;
    int type;
};

struct berth_exec_plan {
    /// The process: path, search_path, argv, envp, cwd (must exist: exec
    /// creates nothing in a running container), uid, gid, groups, umask, the
    /// capability sets, no_new_privs, the seccomp program, rlimits, stdio, tty,
    /// preserve_fds, keep_groups, personality. The namespace, rootfs and mount
    /// fields are not read.
    const struct berth_launch_plan *process;
    /// Joined in this order: the user namespace, when there is one to join,
    /// must come first (it grants the right to join the others). Namespaces
    /// the caller shares with the container are left out (joining one's own
    /// user namespace is EINVAL).
    const struct berth_exec_namespace *namespaces;
    size_t namespace_count;
    /// exec -d: the process is handed to the container's init (it is forked by
    /// a short-lived process inside the pid namespace, which exits at once), so
    /// nothing of berth's waits for it.
    bool detach;
    /// Open (write-only) cgroup files of the container (v1 tasks, v2 cgroup.procs): the
    /// intermediate writes "0" to each before joining any namespace, so it and
    /// the process it forks are the container's (limits, stats, freezer).
    const int *cgroup_fds;
    size_t cgroup_fd_count;
};

/// Starts the process. berth (multi-threaded) clones an intermediate process,
/// which joins the namespaces (setns needs a single thread for a user
/// namespace), becomes root of a joined user namespace, and forks with
/// CLONE_PARENT into the pid namespace: the new process is the caller's child.
/// Without detach it is the process itself; with detach it forks the process
/// and exits 0 (the caller reaps it; the process's parent becomes the
/// container's pid 1). The process never has a parent-death signal.
/// Returns that child's pid and its pidfd in *pidfd (or -1), or -1 with errno
/// set; *sync_fd then reports the exec like berth_launch's
/// (berth_launch_wait_exec): EOF once exec'd, else a failure record. No
/// release is sent or awaited. A failure to join is reported the same way
/// (stage BERTH_STAGE_JOIN_USERNS) by the intermediate, whose pid is returned.
pid_t berth_exec(const struct berth_exec_plan *plan, int *sync_fd, int *pidfd);

#endif
