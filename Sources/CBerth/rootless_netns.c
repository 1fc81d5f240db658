// berth_spawn_rootless_netns_helper (rootless_netns.h): the pasta of the rootless
// network namespace. Cloned as every helper is (clone.c), but without a
// parent-death signal, and it joins the rootless user namespace before exec: a
// pasta exec'd there is a process of that namespace, which its owner (the user
// running berth) may inspect, so /proc/PASTA/fd/3 opens the network namespace
// later without any other process holding it.
#define _GNU_SOURCE
#include "include/rootless_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone.h"
#include "include/launch.h"
#include "protocol.h"
#include "raw_syscalls.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

const char *const BERTH_JOIN_NETNS_ENV = "BERTH_JOIN_NETNS_FD";

struct netns_helper {
    const char *exe;
    char *const *argv;
    char *const *envp;
    int userns;
    int netns;
    int output;
    int sync;
    int parent_end;
};

static void netns_helper_fail(int sync, int error, const char *what)
{
    proto_report_failure(sync, BERTH_STAGE_EXEC, error, what);
    _exit(error == ENOENT ? 127 : 126);
}

/// A new network namespace of the current user namespace, as an fd: a grandchild
/// cloned into it waits on a pipe while its namespace is opened, then exits.
static int new_network_namespace(void)
{
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) < 0)
        return -1;
    pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
    if (child < 0) {
        int error = errno;
        close(hold[0]);
        close(hold[1]);
        errno = error;
        return -1;
    }
    if (child == 0) {
        char byte;
        close(hold[1]);
        while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(hold[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)child);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int error = errno;
    close(hold[1]);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    errno = error;
    return fd;
}

static void run_netns_helper(void *arg)
{
    const struct netns_helper *h = arg;
    close(h->parent_end);
    int sync = fcntl(h->sync, F_DUPFD_CLOEXEC, 10);
    if (sync < 0)
        _exit(126);
    if (raw_reset_signal_dispositions() != 0 || raw_set_signal_mask(0) < 0)
        netns_helper_fail(sync, errno, "reset signals");
    if (setsid() < 0)
        netns_helper_fail(sync, errno, "setsid");
    if (h->userns >= 0 && setns(h->userns, CLONE_NEWUSER) < 0)
        netns_helper_fail(sync, errno, "join the rootless user namespace");
    int netns = h->netns >= 0 ? fcntl(h->netns, F_DUPFD_CLOEXEC, 10) : new_network_namespace();
    if (netns < 0)
        netns_helper_fail(sync, errno, "make the rootless network namespace");
    int output = h->output >= 0 ? fcntl(h->output, F_DUPFD_CLOEXEC, 10) : open("/dev/null", O_WRONLY | O_CLOEXEC);
    int input = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (output < 0 || input < 0)
        netns_helper_fail(sync, errno, "stdio");
    if (dup2(input, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0 || dup2(netns, 3) < 0)
        netns_helper_fail(sync, errno, "dup2");
    if (syscall(SYS_close_range, 4U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        netns_helper_fail(sync, errno, "close_range");
    execve(h->exe, h->argv, h->envp);
    netns_helper_fail(sync, errno, h->exe);
}

pid_t berth_spawn_rootless_netns_helper(const char *exe, char *const argv[], char *const envp[], int userns,
                                        int netns, int output, int *pidfd)
{
    int ends[2];
    if (proto_open_channel(ends) < 0)
        return -1;
    struct netns_helper h = {
        .exe = exe, .argv = argv, .envp = envp, .userns = userns, .netns = netns, .output = output,
        .sync = ends[1], .parent_end = ends[0],
    };
    return clone_until_exec(pidfd, ends, run_netns_helper, &h);
}
