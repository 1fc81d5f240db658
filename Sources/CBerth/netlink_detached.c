// berth_netlink_request_detached (netlink_abi.h): an rtnetlink request whose
// kernel-side wait nobody needs to sit through. The child is cloned fork-like
// from a multi-threaded (Swift) process, so it makes raw system calls only and
// never returns into the caller's code (child.c's rules).
#define _GNU_SOURCE
#include "netlink_abi.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw_syscalls.h"

/// Blanks this copy's command line (berth's, with the store's paths), so nothing
/// mistakes the short-lived child for berth still running on that store: the
/// argument area's bounds are fields 48 and 49 of /proc/self/stat.
static void hide_arguments(void)
{
    char text[4096];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t count = read(fd, text, sizeof text - 1);
    close(fd);
    if (count <= 0)
        return;
    text[count] = 0;
    char *cursor = strrchr(text, ')');
    unsigned long start = 0, end = 0;
    for (int field = 2; cursor != NULL && *cursor != 0; cursor++) {
        if (*cursor != ' ')
            continue;
        field++;
        if (field == 48)
            start = strtoul(cursor + 1, NULL, 10);
        if (field == 49) {
            end = strtoul(cursor + 1, NULL, 10);
            break;
        }
    }
    if (start != 0 && end > start)
        memset((void *)start, 0, end - start);
}

static void send_request(const void *message, size_t length)
{
    hide_arguments();
    // Nothing of the caller's stays open here: a pipe someone reads to EOF, a
    // lock, a terminal.
    syscall(SYS_close_range, 0U, ~0U, 0U);
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        _exit(1);
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    // The kernel handles the request inside sendto, so its return is the end.
    ssize_t sent = sendto(fd, message, length, 0, (struct sockaddr *)&kernel, sizeof kernel);
    _exit(sent == (ssize_t)length ? 0 : 1);
}

int berth_netlink_request_detached(const void *message, size_t length)
{
    // Signals blocked across the clone: no handler of berth's may run in the child,
    // which keeps the full mask until it exits (SIGKILL still ends it).
    sigset_t all, saved;
    sigfillset(&all);
    int error = pthread_sigmask(SIG_SETMASK, &all, &saved);
    if (error != 0) {
        errno = error;
        return -1;
    }
    long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, NULL, NULL, 0);
    if (pid == 0)
        send_request(message, length);
    error = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (pid < 0) {
        errno = error;
        return -1;
    }
    return 0;
}
