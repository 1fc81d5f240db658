// The built-in init of `run --init` (step 16 of child.c's diagram): the
// container process forks; pid 1 stays behind as a tiny reaper that forwards
// every signal to the command and exits with its status, and the grandchild
// goes on to exec the command.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscalls.h"

static _Noreturn void init_loop(pid_t main_child)
{
    uint64_t all = ~0ULL;
    for (;;) {
        siginfo_t info;
        int sig = (int)syscall(SYS_rt_sigtimedwait, &all, &info, NULL, sizeof all);
        if (sig < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            kill(main_child, SIGKILL);
            _exit(CHILD_FAILED);
        }
        if (sig != SIGCHLD) {
            // ESRCH: it is exiting; its SIGCHLD is on the way.
            kill(main_child, sig);
            continue;
        }
        for (;;) {
            int status;
            pid_t pid = (pid_t)syscall(SYS_wait4, -1, &status, WNOHANG, NULL);
            if (pid <= 0)
                break;
            if (pid == main_child)
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

/// The grandchild: the container's process. Signals are still all blocked here.
static void become_main_child(const struct child *c, pid_t init)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_INIT, errno, "PR_SET_PDEATHSIG");
    if (getppid() != init)
        _exit(CHILD_FAILED);
    if (c->plan->tty) {
        // Its own process group in the terminal's foreground, so that ^C goes to
        // it once, not through pid 1 too (SIGTTOU is blocked: no stop).
        pid_t self = getpid();
        if (setpgid(0, 0) < 0)
            child_fail(c, BERTH_STAGE_INIT, errno, "setpgid");
        if (ioctl(0, TIOCSPGRP, &self) < 0)
            child_fail(c, BERTH_STAGE_INIT, errno, "TIOCSPGRP");
    }
    if (raw_set_signal_mask(0) < 0)
        child_fail(c, BERTH_STAGE_INIT, errno, "unblock signals");
}

/// Returns in the grandchild only; the caller (pid 1) never comes back.
void init_run(const struct child *c)
{
    // pid 1 of a pid namespace ignores signals it has no handler for: it takes
    // them all with sigwaitinfo instead (and SIGCHLD stays queued meanwhile).
    if (raw_set_signal_mask(~0ULL) < 0)
        child_fail(c, BERTH_STAGE_INIT, errno, "block signals");
    // Without a pid namespace, orphans still come to us rather than the host's init.
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_INIT, errno, "PR_SET_CHILD_SUBREAPER");
    pid_t init = getpid();
    pid_t pid = raw_fork(0);
    if (pid < 0)
        child_fail(c, BERTH_STAGE_INIT, errno, "fork");
    if (pid == 0) {
        become_main_child(c, init);
        return;
    }
    // /proc/1/exe is the host's berth binary: not dumpable, no one in the
    // container can open it through /proc (CVE-2019-5736).
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        kill(pid, SIGKILL);
        child_fail(c, BERTH_STAGE_INIT, errno, "PR_SET_DUMPABLE");
    }
    // Our copy of the socket would hide the grandchild's exec (EOF) from the
    // parent, and pid 1 never execs, so close-on-exec does not close the rest
    // either: a detached start's status pipe held here kept `run -d --init`
    // waiting forever. pid 1 needs none of them.
    (void)close(c->sync);
    (void)syscall(SYS_close_range, 3U, ~0U, 0U);
    init_loop(pid);
}
