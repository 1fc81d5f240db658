// Long-lived helper programs bound to a container's life (pasta, slirp4netns):
// started so that they die with the thread that started them, and ended
// through a pidfd so a recycled pid is never signalled.
#ifndef BERTH_HELPER_SPAWN_H
#define BERTH_HELPER_SPAWN_H

#include <sys/types.h>

/// The most fds berth_spawn_helper passes on (as 3, 4, ...).
#define BERTH_HELPER_MAX_FDS 4

/// Starts `exe` (a path) with `argv`/`envp` as a helper of the calling thread:
/// PR_SET_PDEATHSIG SIGKILL (it dies when the thread that started it ends, so
/// a kill -9 of berth or of the monitor takes it along, as it takes the
/// container), a session of its own (a Ctrl-C meant for the container never
/// reaches it), default signal dispositions, stdin /dev/null, stdout and stderr
/// on `output` (-1: /dev/null), cwd `directory` (-1: unchanged), `fds[0..count)`
/// as its fds 3, 4, ... and no other fd. Returns once it has exec'd: the pid,
/// with *pidfd its pidfd (close-on-exec; the caller reaps through it); or -1
/// with errno set (an exec failure's errno included).
pid_t berth_spawn_helper(const char *exe, char *const argv[], char *const envp[], int directory, int output,
                         const int *fds, int count, int *pidfd);

/// pidfd_open(2): a pidfd for `pid` (close-on-exec), or -1 with errno.
int berth_pidfd_open(pid_t pid);

/// pidfd_send_signal(2): 0 or -1 with errno.
int berth_pidfd_send_signal(int pidfd, int signal);

#endif
