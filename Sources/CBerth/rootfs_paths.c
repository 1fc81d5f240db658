// Paths beneath the container's root (rootfs_paths.h): every mount target,
// symlink directory and the working directory are opened with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and created component by
// component, so the image cannot send a mount to a host path.
#define _GNU_SOURCE
#include "rootfs_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raw_syscalls.h"
#include "text.h"

int open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long fd;
    int tries = 0;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && (errno == EAGAIN || errno == EINTR) && ++tries < 100);
    return (int)fd;
}

/// Creates `name` in `parent` as a directory, or (last component of a file
/// target) an empty regular file. Neither follows a symlink at `name`.
static int create_node(int parent, const char *name, enum node_kind kind)
{
    if (kind == NODE_DIRECTORY)
        return mkdirat(parent, name, 0755);
    int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/// One pass of open_in_root: walks `path` from the root, creating the first
/// missing components. Returns 0 to retry the open, 1 when a dangling symlink
/// was found and `path` rewritten to its target (within the root), -1 on error.
static int create_missing(int root, char *path, size_t cap, enum node_kind kind)
{
    size_t len = text_length(path);
    int parent = open_beneath(root, "/", O_DIRECTORY);
    if (parent < 0)
        return -1;
    size_t i = 0;
    for (;;) {
        while (i < len && path[i] == '/')
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        char saved = path[i];
        path[i] = 0;
        int fd = open_beneath(root, path, 0);
        if (fd < 0 && errno == ENOENT) {
            bool last = true; // nothing but slashes after this component?
            for (size_t k = i + 1; k < len; k++)
                if (path[k] != '/')
                    last = false;
            if (create_node(parent, path + start, last ? kind : NODE_DIRECTORY) == 0) {
                fd = open_beneath(root, path, 0);
            } else if (errno == EEXIST) {
                // Exists but does not resolve: a dangling symlink. Follow it by
                // hand, inside the root, and create what it points to.
                char link[PATH_MAX];
                ssize_t n = readlinkat(parent, path + start, link, sizeof link - 1);
                int error = errno;
                if (n < 0 && error == EINVAL) {
                    path[i] = saved; // not a symlink (a race): start over
                    close(parent);
                    return 0;
                }
                if (n < 0) {
                    close(parent);
                    errno = error;
                    return -1;
                }
                link[n] = 0;
                char rewritten[PATH_MAX];
                struct text t;
                text_init(&t, rewritten, sizeof rewritten);
                bool fits = true;
                if (link[0] != '/')
                    fits = text_add_n(&t, path, start);
                fits = fits && text_add(&t, link);
                path[i] = saved;
                fits = fits && text_add(&t, path + i);
                close(parent);
                if (!fits) {
                    errno = ENAMETOOLONG;
                    return -1;
                }
                struct text out;
                text_init(&out, path, cap);
                text_add(&out, rewritten);
                return 1;
            }
        }
        if (fd < 0) {
            int error = errno;
            close(parent);
            errno = error;
            return -1;
        }
        path[i] = saved;
        close(parent);
        parent = fd;
    }
    close(parent);
    return 0;
}

int open_in_root(int root, const char *path, enum node_kind kind)
{
    char buf[PATH_MAX];
    struct text t;
    text_init(&t, buf, sizeof buf);
    if (!text_add(&t, path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (int hops = 0; hops < 40; hops++) {
        int fd = open_beneath(root, buf, 0);
        if (fd >= 0 || errno != ENOENT)
            return fd;
        if (create_missing(root, buf, sizeof buf, kind) < 0)
            return -1;
    }
    errno = ELOOP;
    return -1;
}
