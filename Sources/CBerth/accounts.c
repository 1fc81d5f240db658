// --passwd (launch.h passwd_lines, group_lines): the account lines berth worked
// out are appended to the container's /etc/passwd and /etc/group after
// pivot_root. Resolved beneath the container's root without crossing a mount
// (never /proc, /sys, a bind of a host file) and without following a final
// symlink: only a regular file of the rootfs itself is written. Anything else
// there (missing, a symlink, a fifo, a device, another mount) is left alone.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raw_syscalls.h"
#include "text.h"

static void append_lines(const struct child *c, const char *path, const char *lines)
{
    if (lines == NULL || lines[0] == 0)
        return;
    struct open_how how = {
        .flags = (uint64_t)(O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int fd = (int)syscall(SYS_openat2, c->root, path, &how, sizeof how);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    size_t left = text_length(lines);
    const char *next = lines;
    while (left > 0) {
        ssize_t n = write(fd, next, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            child_fail(c, BERTH_STAGE_MOUNTS, n < 0 ? errno : EIO, "add the user's account to ", path);
        next += n;
        left -= (size_t)n;
    }
    close(fd);
}

void accounts_append(const struct child *c)
{
    append_lines(c, "etc/passwd", c->plan->passwd_lines);
    append_lines(c, "etc/group", c->plan->group_lines);
}
