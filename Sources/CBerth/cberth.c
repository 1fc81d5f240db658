// CBerth: raw syscalls Swift cannot call directly (variadic syscall(2), macros
// like makedev, _GNU_SOURCE-only declarations) and terminal helpers. The child
// path is in child.c and the files it names.
#define _GNU_SOURCE
#include "cberth.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
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

ssize_t berth_flistxattr(int fd, char *list, size_t size)
{
    ssize_t n = flistxattr(fd, list, size);
    if (n >= 0 || errno != EBADF)
        return n;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return listxattr(proc, list, size);
}

ssize_t berth_copy_file_range(int in, int out, size_t length)
{
    return copy_file_range(in, NULL, out, NULL, length, 0);
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

int berth_window_size(int fd, unsigned short *rows, unsigned short *columns)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
        return -1;
    *rows = ws.ws_row;
    *columns = ws.ws_col;
    return 0;
}

int berth_set_window_size(int fd, unsigned short rows, unsigned short columns)
{
    struct winsize ws = {.ws_row = rows, .ws_col = columns};
    return ioctl(fd, TIOCSWINSZ, &ws);
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

int berth_unshare(int flags)
{
    return (int)syscall(SYS_unshare, flags);
}
