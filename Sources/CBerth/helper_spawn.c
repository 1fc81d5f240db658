// berth_spawn_helper and friends (helper_spawn.h): the user-mode network helpers
// of rootless containers. Cloned the child path's way (clone.c: signals blocked,
// clone3 with CLONE_PIDFD), the exec reported over the protocol's channel.
#define _GNU_SOURCE
#include "include/helper_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone.h"
#include "include/launch.h"
#include "protocol.h"
#include "raw_syscalls.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// Exit statuses of a helper that never reached exec (its own afterwards).
#define HELPER_ORPHANED 125
#define HELPER_EXEC_NOT_FOUND 127
#define HELPER_EXEC_FAILED 126

struct helper {
    const char *exe;
    char *const *argv;
    char *const *envp;
    int directory;
    int output;
    const int *fds;
    int count;
    int sync;        // the child's end
    int parent_end;  // closed first thing in the child
    pid_t parent;
};

static void helper_fail(int sync, int error, const char *what)
{
    proto_report_failure(sync, BERTH_STAGE_EXEC, error, what);
    _exit(error == ENOENT ? HELPER_EXEC_NOT_FOUND : HELPER_EXEC_FAILED);
}

/// The new process: raw system calls only until execve (child.c's rules).
static void run_helper(void *arg)
{
    const struct helper *h = arg;
    // Bound to the starting thread; the getppid check closes the race with a
    // parent that died before the prctl.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != h->parent)
        _exit(HELPER_ORPHANED);
    close(h->parent_end);
    // Every fd the helper keeps goes above the numbers it will get first, so the
    // dup2s below never overwrite one another (nor the channel).
    int floor = 3 + h->count;
    int sync = fcntl(h->sync, F_DUPFD_CLOEXEC, floor);
    if (sync < 0)
        _exit(HELPER_EXEC_FAILED);
    if (raw_reset_signal_dispositions() != 0 || raw_set_signal_mask(0) < 0)
        helper_fail(sync, errno, "reset signals");
    if (setsid() < 0)
        helper_fail(sync, errno, "setsid");
    if (h->directory >= 0 && fchdir(h->directory) < 0)
        helper_fail(sync, errno, "fchdir");
    int moved[BERTH_HELPER_MAX_FDS];
    for (int i = 0; i < h->count; i++)
        if ((moved[i] = fcntl(h->fds[i], F_DUPFD_CLOEXEC, floor)) < 0)
            helper_fail(sync, errno, "dup fd");
    int output = h->output >= 0 ? fcntl(h->output, F_DUPFD_CLOEXEC, floor) : open("/dev/null", O_WRONLY | O_CLOEXEC);
    int input = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (output < 0 || input < 0)
        helper_fail(sync, errno, "stdio");
    if (dup2(input, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0)
        helper_fail(sync, errno, "dup2 stdio");
    for (int i = 0; i < h->count; i++)
        if (dup2(moved[i], 3 + i) < 0)
            helper_fail(sync, errno, "dup2 fd");
    // Whatever else berth holds (or inherited from its own caller, such as a
    // pipe a test reads to its end) must not live on in the helper.
    if (syscall(SYS_close_range, (unsigned int)floor, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        helper_fail(sync, errno, "close_range");
    execve(h->exe, h->argv, h->envp);
    helper_fail(sync, errno, h->exe);
}

pid_t berth_spawn_helper(const char *exe, char *const argv[], char *const envp[], int directory, int output,
                         const int *fds, int count, int *pidfd)
{
    if (count < 0 || count > BERTH_HELPER_MAX_FDS) {
        errno = EINVAL;
        return -1;
    }
    int ends[2];
    if (proto_open_channel(ends) < 0)
        return -1;
    struct helper h = {
        .exe = exe, .argv = argv, .envp = envp, .directory = directory, .output = output,
        .fds = fds, .count = count, .sync = ends[1], .parent_end = ends[0], .parent = getpid(),
    };
    return clone_until_exec(pidfd, ends, run_helper, &h);
}

int berth_pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int berth_pidfd_send_signal(int pidfd, int signal)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}
