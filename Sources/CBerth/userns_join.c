// Joining the rootless pause process's user namespace at process start.
//
// setns(CLONE_NEWUSER) refuses a multi-threaded process (EINVAL), and once the
// Swift runtime runs nothing promises a single thread. So a berth started with
// BERTH_JOIN_USERNS_FD=N in its environment (by SelfExec, after it opened
// /proc/PAUSE/ns/user as fd N without close-on-exec) joins that namespace here,
// in a constructor that runs before main and before any thread exists. The mount
// namespace stays the host's, so the store written inside is the host's store,
// as with a fresh namespace made by clone(CLONE_NEWUSER).
#define _GNU_SOURCE
#include "userns_join.h"
#include "rootless_netns.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const BERTH_JOIN_USERNS_ENV = "BERTH_JOIN_USERNS_FD";

static void fail(const char *what, int error)
{
    const char *reason = strerror(error);
    // One line, as the CLI prints errors; no stdio (the process is barely started).
    (void)!write(2, "Error: join the rootless user namespace: ", 41);
    (void)!write(2, what, strlen(what));
    (void)!write(2, ": ", 2);
    (void)!write(2, reason, strlen(reason));
    (void)!write(2, "\n", 1);
    _exit(125);
}

__attribute__((constructor)) static void berth_join_userns_at_start(void)
{
    const char *value = getenv(BERTH_JOIN_USERNS_ENV);
    if (value == NULL)
        goto network;
    char *end = NULL;
    errno = 0;
    long fd = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || fd < 3 || fd > 1024 * 1024)
        fail("bad " "BERTH_JOIN_USERNS_FD", EINVAL);
    // The variable must not reach anything this berth starts (a shell of `unshare`,
    // a monitor): they inherit the namespace, not the request to join it.
    unsetenv(BERTH_JOIN_USERNS_ENV);
    if (setns((int)fd, CLONE_NEWUSER) < 0)
        fail("setns", errno);
    close((int)fd);
network:;
    // A helper of the rootless network namespace (RootlessNetns.swift) also
    // enters that namespace, which only root of the user namespace may: after
    // joining it above, or started by a berth already inside it.
    const char *netns = getenv(BERTH_JOIN_NETNS_ENV);
    if (netns == NULL)
        return;
    char *netns_end = NULL;
    errno = 0;
    long netns_fd = strtol(netns, &netns_end, 10);
    if (errno != 0 || netns_end == netns || *netns_end != '\0' || netns_fd < 3 || netns_fd > 1024 * 1024)
        fail("bad " "BERTH_JOIN_NETNS_FD", EINVAL);
    unsetenv(BERTH_JOIN_NETNS_ENV);
    if (setns((int)netns_fd, CLONE_NEWNET) < 0)
        fail("setns network namespace", errno);
    close((int)netns_fd);
}
