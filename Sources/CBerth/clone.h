// The one way berth clones a process that will exec (design.md §2): all
// signals blocked around the clone, clone3 with CLONE_PIDFD.
#ifndef BERTH_CLONE_H
#define BERTH_CLONE_H

#include <sys/types.h>

/// Clones fork-like (the child runs on a copy of the caller's stack) with
/// `flags` (CLONE_NEW* and the like; SIGCHLD is the exit signal) and every
/// signal blocked, so no handler of berth's runs in the child before it resets
/// the dispositions (raw_reset_signal_dispositions) and its mask. clone3 with
/// CLONE_PIDFD when `pidfd` is given (clone(2) only on ENOSYS). The child calls
/// run(arg), which must not return (it _exits 127 if it does).
///
/// `channel` comes from proto_open_channel ([0] the parent's end, [1] the
/// child's): the parent's copy of the child's end is closed after the clone,
/// and the parent's end too when the clone fails. Returns the pid (the
/// caller's signal mask restored) or -1 with errno.
pid_t clone_process(int flags, int *pidfd, const int channel[2], void (*run)(void *arg), void *arg);

/// clone_process (no namespace flags), then waits on channel[0] (closed after)
/// until the child has exec'd (berth_launch_wait_exec). Returns its pid, or -1
/// with the child's errno, the child reaped and *pidfd closed and set to -1, so
/// the caller has nothing to clean up: the helpers' spawn (pasta, slirp4netns,
/// the rootless network namespace's berth).
pid_t clone_until_exec(int *pidfd, const int channel[2], void (*run)(void *arg), void *arg);

#endif
