// berth_netlink_request_detached (netlink_abi.h): an rtnetlink request whose
// kernel-side wait nobody needs to sit through. The child is cloned fork-like
// from a multi-threaded (Swift) process, so it makes raw system calls only and
// never returns into the caller's code (child.c's rules).
#define _GNU_SOURCE
#include "netlink_abi.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw_syscalls.h"

static void send_request(const void *message, size_t length)
{
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
