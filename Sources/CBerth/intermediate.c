// Join mode's intermediate process (plan->join_userns, launch.h): rootless
// containers join the user namespace a pause process holds, instead of
// creating one whose maps newuidmap/newgidmap would have to write. setns into
// a user namespace needs a single-threaded process, which berth (Swift) is
// not: berth_launch clones this process, without namespace flags, to do it.
//
//   berth ──clone──> intermediate ──setns(userns), become its root,
//     ^                  │          unshare the other namespaces (not cgroup)
//     │                  └──clone(CLONE_PARENT)──> container process (child.c)
//     └── PROTO_PID {pid} ─┘ then exit 0   (or PROTO_FAILURE + exit 127)
//
// CLONE_PARENT makes the container process the caller thread's child from its
// first instruction: never an orphan, never reparented, so its
// PR_SET_PDEATHSIG names berth's thread, not this short-lived process. It runs
// the whole dance of child.c unchanged (the user namespace is already entered).
// A joined pid namespace (plan->join_pidns, --pid container:|ns:) takes this
// path too, with or without the user namespace: setns(CLONE_NEWPID) places
// the children of the caller only, so the fork below lands the container
// process in it.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "protocol.h"
#include "raw_syscalls.h"

/// Writes `map` to /proc/PID/NAME; 0 or an errno.
static int write_map(pid_t pid, const char *name, const char *map)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    size_t length = strlen(map);
    ssize_t written = write(fd, map, length);
    int error = written < 0 ? errno : (size_t)written != length ? EIO : 0;
    close(fd);
    return error;
}

/// plan->nested_uid_map: the container process is cloned into a user namespace
/// nested in the joined one (with the other namespaces, owned by it), and this
/// process, root of the joined namespace, writes its maps before reporting it:
/// the container process waits for the release before it uses them (child.c).
static _Noreturn void nested_user_namespace(struct child *c, int flags)
{
    pid_t pid = raw_fork(CLONE_PARENT | (unsigned long)flags);
    if (pid < 0)
        child_fail(c, BERTH_STAGE_JOIN_USERNS, errno, "clone the container process into a nested user namespace");
    if (pid == 0)
        child_main(c);
    int error = write_map(pid, "uid_map", c->plan->nested_uid_map);
    const char *what = "write the nested user namespace's uid_map";
    if (error == 0) {
        error = write_map(pid, "gid_map", c->plan->nested_gid_map);
        what = "write the nested user namespace's gid_map";
    }
    if (error != 0) {
        kill(pid, SIGKILL);
        child_fail(c, BERTH_STAGE_JOIN_USERNS, error, what);
    }
    if (proto_report_pid(c->sync, pid) < 0) {
        kill(pid, SIGKILL);
        _exit(CHILD_FAILED);
    }
    _exit(0);
}

/// Signals stay blocked here: no handler of the parent's may run, and the
/// container process resets them all.
_Noreturn void intermediate_main(struct child *c)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_JOIN_USERNS, errno, "PR_SET_PDEATHSIG");
    if (getppid() != c->parent)
        _exit(CHILD_FAILED);
    // The container process inherits our fds: it must not hold the parent's
    // end either (an EOF tells it that the parent is gone).
    if (close(c->parent_end) < 0)
        child_fail(c, BERTH_STAGE_JOIN_USERNS, errno, "close the parent's socket");
    c->parent_end = -1;

    if (c->plan->join_userns) {
        // Allowed: single-threaded, its own fs struct, and its uid owns that
        // namespace (or is root).
        if (setns(c->plan->userns_fd, CLONE_NEWUSER) < 0)
            child_fail(c, BERTH_STAGE_JOIN_USERNS, errno, "setns into the user namespace");
        // Also re-arms the parent-death signal, which a change of ids clears.
        security_become_userns_root(c, BERTH_STAGE_JOIN_USERNS);
    }
    // --pid container:|ns: (ns_setup.c), as root of the user namespace that owns it.
    ns_join_pid_namespace(c, BERTH_STAGE_JOIN_NAMESPACES);
    // Owned by the joined user namespace. The cgroup namespace waits for the
    // release, as in the clone of the other mode (child.c, step 3).
    int others = c->flags & ~CLONE_NEWCGROUP;
    if (c->flags & CLONE_NEWUSER)
        nested_user_namespace(c, others); // does not return
    if (others != 0 && unshare(others) < 0)
        child_fail(c, BERTH_STAGE_JOIN_USERNS, errno, "unshare namespaces");

    pid_t pid = raw_fork(CLONE_PARENT);
    if (pid < 0)
        child_fail(c, BERTH_STAGE_JOIN_USERNS, errno, "fork the container process");
    if (pid == 0)
        child_main(c);
    if (proto_report_pid(c->sync, pid) < 0) {
        // The parent cannot learn its pid: it must not run.
        kill(pid, SIGKILL);
        _exit(CHILD_FAILED);
    }
    _exit(0);
}
