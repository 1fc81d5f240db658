// Raw system calls for the processes berth clones. The process they were
// cloned from may be multi-threaded (Swift), so glibc calls that broadcast to
// "other threads" (setuid, setgid, setgroups through __nptl_setxid) would hang
// or lie in the child, and glibc's sigaction keeps its own bookkeeping: these
// go to the kernel directly.
#ifndef BERTH_RAW_SYSCALLS_H
#define BERTH_RAW_SYSCALLS_H

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/// The kernel's struct sigaction; all zero is SIG_DFL on every architecture.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static inline int raw_set_signal_default(int sig)
{
    struct kernel_sigaction action = { .handler = SIG_DFL };
    return (int)syscall(SYS_rt_sigaction, sig, &action, NULL, sizeof action.mask);
}

static inline int raw_set_signal_mask(uint64_t mask)
{
    return (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof mask);
}

/// Every disposition back to SIG_DFL (a handler of berth's must never run in a
/// clone, and an ignored signal would stay ignored across exec). Returns 0, or
/// the first signal that could not be reset (errno set).
static inline int raw_reset_signal_dispositions(void)
{
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && raw_set_signal_default(sig) < 0)
            return sig;
    return 0;
}

static inline int raw_setresuid(uid_t uid)
{
#ifdef SYS_setresuid32
    return (int)syscall(SYS_setresuid32, uid, uid, uid);
#else
    return (int)syscall(SYS_setresuid, uid, uid, uid);
#endif
}

static inline int raw_setresgid(gid_t gid)
{
#ifdef SYS_setresgid32
    return (int)syscall(SYS_setresgid32, gid, gid, gid);
#else
    return (int)syscall(SYS_setresgid, gid, gid, gid);
#endif
}

static inline int raw_setgroups(size_t count, const gid_t *groups)
{
#ifdef SYS_setgroups32
    return (int)syscall(SYS_setgroups32, count, groups);
#else
    return (int)syscall(SYS_setgroups, count, groups);
#endif
}

/// A fork-like clone (no new stack: the child continues on a copy of this one)
/// with extra `flags` (CLONE_PARENT); no pthread_atfork handlers, no glibc locks.
static inline pid_t raw_fork(unsigned long flags)
{
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
}

#endif
