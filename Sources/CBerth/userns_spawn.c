// berth_spawn_in_userns (cberth.h): berth re-executed as the first process of
// a new user namespace whose maps the caller writes (rootless storage work,
// the pause process). It goes through the child path's clone and protocol:
// signals blocked around clone3 with CLONE_PIDFD, a SOCK_SEQPACKET|SOCK_CLOEXEC channel, the
// PROTO_RELEASE record, and a PROTO_FAILURE record when the exec fails.
#define _GNU_SOURCE
#include "cberth.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "clone.h"
#include "launch.h"
#include "protocol.h"
#include "raw_syscalls.h"

/// Exit statuses of the spawned process before exec (the command's own after).
#define SPAWN_NOT_RELEASED 125
#define SPAWN_EXEC_NOT_FOUND 127
#define SPAWN_EXEC_FAILED 126

struct spawn {
    const char *exe;
    char *const *argv;
    char *const *envp;
    int sync;        // the child's end
    int parent_end;  // closed first thing in the child
    pid_t parent;
};

/// The new process: raw system calls only until execve (see child.c's rules).
static void run_spawn(void *arg)
{
    const struct spawn *s = arg;
    // berth in the namespace must not outlive the berth that started it: a
    // kill -9 of the command would otherwise leave it writing to the store.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != s->parent)
        _exit(SPAWN_NOT_RELEASED);
    close(s->parent_end);
    // Default dispositions (an ignored SIGPIPE of berth's would survive exec)
    // and an empty mask, before anything can block on the parent.
    if (raw_reset_signal_dispositions() != 0 || raw_set_signal_mask(0) < 0) {
        proto_report_failure(s->sync, BERTH_STAGE_SYNC, errno, "reset signals");
        _exit(SPAWN_NOT_RELEASED);
    }
    if (!proto_wait_release(s->sync))
        _exit(SPAWN_NOT_RELEASED);
    execve(s->exe, s->argv, s->envp);
    int error = errno;
    proto_report_failure(s->sync, BERTH_STAGE_EXEC, error, s->exe);
    _exit(error == ENOENT ? SPAWN_EXEC_NOT_FOUND : SPAWN_EXEC_FAILED);
}

pid_t berth_spawn_in_userns(const char *exe, char *const argv[], char *const envp[], int *release_fd, int *pidfd)
{
    int ends[2];
    if (proto_open_channel(ends) < 0)
        return -1;
    struct spawn s = {
        .exe = exe, .argv = argv, .envp = envp,
        .sync = ends[1], .parent_end = ends[0], .parent = getpid(),
    };
    // The caller reaps through the pidfd (waitid(P_PIDFD)), as the run path
    // does: design.md §2, children are reaped by pidfd, never by a bare pid.
    pid_t pid = clone_process(CLONE_NEWUSER, pidfd, ends, run_spawn, &s);
    if (pid >= 0)
        *release_fd = ends[0];
    return pid;
}
