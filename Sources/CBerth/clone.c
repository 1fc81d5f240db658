// The one way berth clones a process that will exec (clone.h): berth_launch's
// container child or intermediate, and berth_spawn_in_userns's re-exec.
#define _GNU_SOURCE
#include "clone.h"
#include "include/launch.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscalls.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/// The exit status of a clone whose run() returned, which it must not.
#define RUN_RETURNED 127

/// clone3 (Linux 5.3), fork-like: no stack given. clone(2) only when the
/// kernel (or a seccomp profile of an outer container) says ENOSYS; it has
/// taken CLONE_PIDFD since 5.2, with the fd written to parent_tid.
static pid_t clone_raw(int flags, int *pidfd)
{
    uint64_t pidfd_flag = pidfd != NULL ? CLONE_PIDFD : 0;
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } args = {
        .flags = (uint64_t)(unsigned int)flags | pidfd_flag,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || errno != ENOSYS)
        return (pid_t)pid;
    return (pid_t)syscall(SYS_clone, (unsigned long)flags | pidfd_flag | SIGCHLD, 0, pidfd, NULL, 0);
}

pid_t clone_process(int flags, int *pidfd, const int channel[2], void (*run)(void *arg), void *arg)
{
    if (pidfd != NULL)
        *pidfd = -1;
    sigset_t all, saved;
    sigfillset(&all);
    int error = pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t pid = -1;
    if (error == 0) {
        pid = clone_raw(flags, pidfd);
        if (pid == 0) {
            run(arg);
            _exit(RUN_RETURNED);
        }
        error = pid < 0 ? errno : 0;
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    }
    close(channel[1]);
    if (pid < 0) {
        close(channel[0]);
        errno = error;
    }
    return pid;
}

pid_t clone_until_exec(int *pidfd, const int channel[2], void (*run)(void *arg), void *arg)
{
    pid_t pid = clone_process(0, pidfd, channel, run, arg);
    if (pid < 0)
        return -1;
    struct berth_launch_report report;
    int result = berth_launch_wait_exec(channel[0], &report);
    int error = result == 0 ? 0 : (result == 1 ? report.error : errno);
    close(channel[0]);
    if (error == 0)
        return pid;
    siginfo_t info;
    (void)waitid(P_PIDFD, (id_t)*pidfd, &info, WEXITED);
    close(*pidfd);
    *pidfd = -1;
    errno = error;
    return -1;
}
