// CBerth: the C side of berth: syscalls Swift cannot call directly (variadic
// syscall(2), macros like makedev) and code that runs in a forked child before exec.
#ifndef CBERTH_H
#define CBERTH_H

#include <sys/types.h>
#include <stdint.h>

/// openat2(2) with a RESOLVE_* mask; returns the fd or -1 with errno set.
int berth_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/// The RESOLVE_* flags of openat2(2), exported as values Swift can read.
extern const uint64_t BERTH_RESOLVE_BENEATH;
extern const uint64_t BERTH_RESOLVE_NO_MAGICLINKS;
extern const uint64_t BERTH_RESOLVE_NO_SYMLINKS;
extern const uint64_t BERTH_RESOLVE_IN_ROOT;

/// mknodat(2) with major/minor numbers (makedev is a macro).
int berth_mknodat(int dirfd, const char *name, mode_t mode, unsigned int major, unsigned int minor);

/// Splits a dev_t into major and minor numbers.
void berth_dev_split(uint64_t dev, unsigned int *major, unsigned int *minor);

/// Starts `exe` with `argv`/`envp` as the first process of a new user namespace,
/// through the child path's clone (signals blocked around clone3). The child
/// blocks until the caller has written the id maps and sent the release with
/// berth_launch_release(*release_fd) (launch.h), then execs. *release_fd is
/// the caller's end of a SOCK_SEQPACKET|SOCK_CLOEXEC socketpair: closing it
/// without the release makes the child exit 125 without exec. An exec failure
/// exits 127 (ENOENT) or 126, and is also reported on the socket
/// (berth_launch_wait_exec). Returns the child's pid, or -1 with errno set;
/// *pidfd is the child's pidfd (clone3 CLONE_PIDFD), which the caller reaps
/// through (waitid(P_PIDFD)) and closes.
pid_t berth_spawn_in_userns(const char *exe, char *const argv[], char *const envp[], int *release_fd, int *pidfd);

/// The calling thread's errno (Swift's `errno` is fine too; this keeps C callers symmetric).
int berth_errno(void);

/// Fills `buffer` with `count` random bytes from getrandom(2).
void berth_random_bytes(void *buffer, size_t count);

/// pipe2(fds, O_CLOEXEC): glibc declares pipe2 only under _GNU_SOURCE.
int berth_pipe_cloexec(int fds[2]);

/// O_PATH, which glibc declares only under _GNU_SOURCE.
extern const int BERTH_O_PATH;

/// fsetxattr(2); <sys/xattr.h> is not part of Swift's Glibc module.
int berth_fsetxattr(int fd, const char *name, const void *value, size_t size);

/// fgetxattr(2) that also works on an O_PATH fd (read through /proc/self/fd,
/// which plain fgetxattr refuses with EBADF on older kernels). Returns the
/// value's size or -1 with errno set.
ssize_t berth_fgetxattr(int fd, const char *name, void *value, size_t size);

/// flistxattr(2) that also works on an O_PATH fd, as berth_fgetxattr.
ssize_t berth_flistxattr(int fd, char *list, size_t size);

/// copy_file_range(2) from the current offsets (a _GNU_SOURCE declaration):
/// bytes copied, 0 at the end of `in`, or -1 with errno set.
ssize_t berth_copy_file_range(int in, int out, size_t length);

/// The f_type of the filesystem at `path` (statfs(2)), or -1 with errno set.
long berth_filesystem_type(const char *path);

/// Opens a pty pair: the master (O_CLOEXEC) in *master, the slave (O_CLOEXEC,
/// O_NOCTTY) in *slave. Returns 0 or -1 with errno.
int berth_pty_open(int *master, int *slave);

/// Copies the window size of terminal `from` to `to`; 0 or -1 with errno.
int berth_copy_winsize(int from, int to);

/// The window size of terminal `fd` (TIOCGWINSZ); 0 or -1 with errno.
int berth_window_size(int fd, unsigned short *rows, unsigned short *columns);
/// Sets it (TIOCSWINSZ); 0 or -1 with errno.
int berth_set_window_size(int fd, unsigned short rows, unsigned short columns);

/// Puts terminal `fd` in raw mode, saving its settings in `saved` (opaque, at
/// least berth_termios_size() bytes). 0 or -1 with errno.
int berth_tty_raw(int fd, void *saved);
int berth_tty_restore(int fd, const void *saved);
size_t berth_termios_size(void);

/// Clears the parent-death signal (execve keeps it): the pause process must
/// outlive the berth that started it.
int berth_clear_pdeathsig(void);

/// unshare(2) (glibc declares it only under _GNU_SOURCE): `berth unshare`'s own mount namespace.
int berth_unshare(int flags);

/// Runs the executable `image` (ELF bytes in memory) in place of this process:
/// a sealed memfd named `name`, then execveat. Returns only on failure (-1, errno set).
int berth_exec_image(const void *image, size_t size, const char *name, char *const argv[], char *const envp[]);

/// Unix SOCK_SEQPACKET sockets named `name` in the directory open on `directory`
/// (attach_socket.c; any path length). listen replaces a stale socket file.
/// Each returns a close-on-exec fd or -1 with errno.
int berth_seqpacket_listen_at(int directory, const char *name);
int berth_seqpacket_connect_at(int directory, const char *name);
/// The same for a SOCK_STREAM socket (slirp4netns's API socket).
int berth_stream_connect_at(int directory, const char *name);
/// A connected pair, both close-on-exec; 0 or -1 with errno.
int berth_seqpacket_pair(int fds[2]);

#endif
