// CBerth: raw syscalls and the pre-exec child path. The child side of every
// function here only makes async-signal-safe calls: no malloc, no stdio, _exit.
#define _GNU_SOURCE
#include "cberth.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const uint64_t BERTH_RESOLVE_BENEATH = RESOLVE_BENEATH;
const uint64_t BERTH_RESOLVE_NO_MAGICLINKS = RESOLVE_NO_MAGICLINKS;
const uint64_t BERTH_RESOLVE_NO_SYMLINKS = RESOLVE_NO_SYMLINKS;
const uint64_t BERTH_RESOLVE_IN_ROOT = RESOLVE_IN_ROOT;

int berth_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
    struct open_how how = { .flags = (uint64_t)flags, .mode = mode, .resolve = resolve };
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    return (int)fd;
}

int berth_mknodat(int dirfd, const char *name, mode_t mode, unsigned int major, unsigned int minor)
{
    return mknodat(dirfd, name, mode, makedev(major, minor));
}

void berth_dev_split(uint64_t dev, unsigned int *major_out, unsigned int *minor_out)
{
    *major_out = major((dev_t)dev);
    *minor_out = minor((dev_t)dev);
}

void berth_random_bytes(void *buffer, size_t count)
{
    size_t done = 0;
    while (done < count) {
        ssize_t n = getrandom((char *)buffer + done, count - done, 0);
        if (n > 0)
            done += (size_t)n;
        else if (errno != EINTR)
            break;
    }
}

int berth_pipe_cloexec(int fds[2])
{
    return pipe2(fds, O_CLOEXEC);
}

const int BERTH_O_PATH = O_PATH;

int berth_fsetxattr(int fd, const char *name, const void *value, size_t size)
{
    return fsetxattr(fd, name, value, size, 0);
}

ssize_t berth_fgetxattr(int fd, const char *name, void *value, size_t size)
{
    ssize_t n = fgetxattr(fd, name, value, size);
    if (n >= 0 || errno != EBADF)
        return n;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return getxattr(proc, name, value, size);
}

long berth_filesystem_type(const char *path)
{
    struct statfs fs;
    if (statfs(path, &fs) < 0)
        return -1;
    return (long)fs.f_type;
}

int berth_errno(void)
{
    return errno;
}

pid_t berth_spawn_in_userns(const char *exe, char *const argv[], char *const envp[], int *release_fd)
{
    int fds[2];
    pid_t parent = getpid();
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;

    // fork-like clone (no new stack): the child is a copy of this process in a
    // new user namespace; it only reads the release byte and execs.
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        int saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        char go = 0;
        ssize_t n;
        // berth in the namespace must not outlive the berth that started it: a
        // kill -9 of the command would otherwise leave it writing to the store.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(125);
        close(fds[1]);
        do {
            n = read(fds[0], &go, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(125);
        execve(exe, argv, envp);
        _exit(errno == ENOENT ? 127 : 126);
    }
    close(fds[0]);
    *release_fd = fds[1];
    return pid;
}

int berth_pty_open(int *master, int *slave)
{
    char name[128];
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -1;
    if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
        int saved = errno;
        close(m);
        errno = saved;
        return -1;
    }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int saved = errno;
        close(m);
        errno = saved;
        return -1;
    }
    *master = m;
    *slave = s;
    return 0;
}

int berth_copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) < 0)
        return -1;
    return ioctl(to, TIOCSWINSZ, &ws);
}

size_t berth_termios_size(void)
{
    return sizeof(struct termios);
}

int berth_tty_raw(int fd, void *saved)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0)
        return -1;
    memcpy(saved, &t, sizeof t);
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}

int berth_tty_restore(int fd, const void *saved)
{
    return tcsetattr(fd, TCSANOW, (const struct termios *)saved);
}

int berth_clear_pdeathsig(void)
{
    return prctl(PR_SET_PDEATHSIG, 0);
}
