// The container's root filesystem (steps 4, 5 and 7 of child.c's diagram):
// the overlay or bind on the rootfs, the plan's mounts in order, the console,
// pivot_root, then the masked and read-only paths. Each target is resolved
// and created beneath the new root (rootfs_paths.c) and mounted through
// /proc/self/fd/N of an O_PATH fd.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "raw_syscalls.h"
#include "rootfs_paths.h"
#include "text.h"

#ifndef MOUNT_ATTR__ATIME
#define MOUNT_ATTR__ATIME 0x00000070
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define PROPAGATION_FLAGS ((unsigned long)(MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE))
#define ATIME_FLAGS ((unsigned long)(MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
/// Flags that say how to bind, not what the mount is.
#define BIND_FLAGS ((unsigned long)(MS_BIND | MS_REC | MS_REMOUNT))

// ---------------------------------------------------------------------------
// Mount attributes.

/// The mount_setattr(2) request for the per-mount flags in `flags`.
static struct mount_attr mount_attributes(unsigned long flags)
{
    struct mount_attr attr = { 0 };
    if (flags & MS_RDONLY)
        attr.attr_set |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        attr.attr_set |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        attr.attr_set |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        attr.attr_set |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME)
        attr.attr_set |= MOUNT_ATTR_NODIRATIME;
    if (flags & MS_NOSYMFOLLOW)
        attr.attr_set |= MOUNT_ATTR_NOSYMFOLLOW;
    if (flags & ATIME_FLAGS) {
        attr.attr_clr |= MOUNT_ATTR__ATIME;
        attr.attr_set |= (flags & MS_NOATIME) ? MOUNT_ATTR_NOATIME
                       : (flags & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME : MOUNT_ATTR_RELATIME;
    }
    return attr;
}

/// Sets the per-mount flags in `flags` (ro, nosuid, nodev, noexec, atime,
/// nosymfollow) on the mount at dirfd+path ("" = dirfd itself), on every mount
/// beneath it too when `recursive`. Only sets: flags a user namespace locks stay.
static int set_mount_attributes(int dirfd, const char *path, unsigned long flags, bool recursive)
{
    struct mount_attr attr = mount_attributes(flags);
    if (attr.attr_set == 0 && attr.attr_clr == 0)
        return 0;
    unsigned int at = (path[0] == 0 ? AT_EMPTY_PATH : 0) | (recursive ? AT_RECURSIVE : 0);
    if (syscall(SYS_mount_setattr, dirfd, path, at, &attr, sizeof attr) == 0)
        return 0;
    if (errno != ENOSYS)
        return -1;

    // Before Linux 5.12: a bind remount of the top mount only, keeping the flags
    // a user namespace locks (a remount without them fails with EPERM).
    char buf[32];
    const char *target = path[0] == 0 ? text_fd_path(buf, dirfd) : path;
    unsigned long keep = 0;
    struct statfs fs;
    if (statfs(target, &fs) == 0) {
        if (fs.f_flags & ST_NOSUID)
            keep |= MS_NOSUID;
        if (fs.f_flags & ST_NODEV)
            keep |= MS_NODEV;
        if (fs.f_flags & ST_NOEXEC)
            keep |= MS_NOEXEC;
        if (!(flags & ATIME_FLAGS)) {
            if (fs.f_flags & ST_NOATIME)
                keep |= MS_NOATIME;
            if (fs.f_flags & ST_RELATIME)
                keep |= MS_RELATIME;
        }
        if (fs.f_flags & ST_NODIRATIME)
            keep |= MS_NODIRATIME;
    }
    unsigned long mask = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | ATIME_FLAGS;
    return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & mask) | keep, NULL);
}

// ---------------------------------------------------------------------------
// 4: the root filesystem and the plan's mounts.

void rootfs_mount(struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    if (!(c->flags & CLONE_NEWNS))
        child_fail(c, BERTH_STAGE_MOUNT_ROOTFS, EINVAL, "no mount namespace (CLONE_NEWNS)");
    if (p->rootfs == NULL)
        child_fail(c, BERTH_STAGE_MOUNT_ROOTFS, EINVAL, "no rootfs");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "make / private");
    if (p->overlay_options != NULL) {
        if (mount("overlay", p->rootfs, "overlay", 0, p->overlay_options) < 0)
            child_fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "overlay on ", p->rootfs);
    } else if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
        child_fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "bind ", p->rootfs);
    }
    c->root = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->root < 0)
        child_fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "open ", p->rootfs);
}

static int open_target(const struct child *c, const struct berth_mount *m, enum node_kind kind)
{
    int fd = open_in_root(c->root, m->target, kind);
    if (fd < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "create ", m->target);
    // A target that resolves to the root itself (the container replaced a mount
    // point by a symlink to /) would stack the mount beneath pivot_root's view:
    // the container would never see it, and its writes would go to the rootfs.
    struct stat target, root;
    if (fstat(fd, &target) == 0 && fstat(c->root, &root) == 0
        && target.st_dev == root.st_dev && target.st_ino == root.st_ino)
        child_fail(c, BERTH_STAGE_MOUNTS, ELOOP, "mount point ", m->target, " resolves to the container's root");
    return fd;
}

/// The mount now on top of m->target (an fd taken before the mount names the
/// covered inode, not the new mount).
static int reopen_target(const struct child *c, const struct berth_mount *m)
{
    int fd = open_beneath(c->root, m->target, 0);
    if (fd < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "open ", m->target);
    return fd;
}

/// mount(2) ignores the per-mount flags of a bind: set them after, and the propagation.
static void apply_bind_flags(const struct child *c, const struct berth_mount *m, bool recursive)
{
    unsigned long attributes = m->flags & ~(BIND_FLAGS | PROPAGATION_FLAGS);
    unsigned long propagation = m->flags & PROPAGATION_FLAGS;
    if (attributes == 0 && propagation == 0)
        return;
    int fd = reopen_target(c, m);
    if (set_mount_attributes(fd, "", attributes, recursive) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "remount ", m->target);
    char buf[32];
    if (propagation != 0 && mount(NULL, text_fd_path(buf, fd), NULL, propagation | (m->flags & MS_REC), NULL) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "propagation of ", m->target);
    close(fd);
}

static void mount_filesystem(const struct child *c, const struct berth_mount *m)
{
    int fd = open_target(c, m, NODE_DIRECTORY);
    char buf[32];
    if (mount(m->source, text_fd_path(buf, fd), m->fstype, m->flags, m->data) == 0) {
        close(fd);
        return;
    }
    // sysfs needs a network namespace of our own (rootless with the host's
    // network), proc a pid namespace (rootless --pid host), mqueue an IPC one
    // (rootless --ipc host): bind the host's instead, with the flags asked.
    const char *host = text_equal(m->fstype, "sysfs") ? "/sys"
                     : text_equal(m->fstype, "proc") ? "/proc"
                     : text_equal(m->fstype, "mqueue") ? "/dev/mqueue" : NULL;
    if (errno != EPERM || host == NULL)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, m->fstype, " on ", m->target);
    if (mount(host, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "bind ", host, " on ", m->target);
    close(fd);
    fd = reopen_target(c, m);
    if (set_mount_attributes(fd, "", m->flags & ~(BIND_FLAGS | PROPAGATION_FLAGS), true) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "remount ", m->target);
    close(fd);
}

/// A bind made as a detached copy of the source tree whose flags are set before
/// it is attached on the target's fd: nothing can move the target between the
/// mount and its read-only flag (a volume shared with a running container could
/// swap a nested mount point for a symlink meanwhile). Returns false where the
/// kernel lacks the mount API (before 5.12), for the classic bind.
static bool bind_detached(const struct child *c, const struct berth_mount *m, int target)
{
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree < 0 && errno == ENOSYS)
        return false;
    if (tree < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "bind ", m->source, " (open_tree)");
    struct mount_attr attr = mount_attributes(m->flags & ~(BIND_FLAGS | PROPAGATION_FLAGS));
    if ((attr.attr_set != 0 || attr.attr_clr != 0)
        && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
        if (errno == ENOSYS) {
            close(tree);
            return false;
        }
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "flags of bind ", m->source, " on ", m->target);
    }
    if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
        // move_mount says EINVAL where a directory meets a non-directory; mount(2)
        // (and so runc, podman and the classic bind) says ENOTDIR: keep that answer.
        int err = errno;
        struct stat from, to;
        if (err == EINVAL && fstat(tree, &from) == 0 && fstat(target, &to) == 0
            && S_ISDIR(from.st_mode) != S_ISDIR(to.st_mode))
            err = ENOTDIR;
        child_fail(c, BERTH_STAGE_MOUNTS, err, "bind ", m->source, " on ", m->target);
    }
    close(tree);
    return true;
}

static void mount_bind(const struct child *c, const struct berth_mount *m)
{
    struct stat st;
    if (stat(m->source, &st) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "bind source ", m->source);
    int fd = open_target(c, m, S_ISDIR(st.st_mode) ? NODE_DIRECTORY : NODE_FILE);
    if (bind_detached(c, m, fd)) {
        close(fd);
        // Propagation only (the flags are set): shared or slave binds are asked by name.
        struct berth_mount propagation = *m;
        propagation.flags = m->flags & (PROPAGATION_FLAGS | MS_REC);
        apply_bind_flags(c, &propagation, true);
        return;
    }
    char buf[32];
    if (mount(m->source, text_fd_path(buf, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "bind ", m->source, " on ", m->target);
    close(fd);
    apply_bind_flags(c, m, true);
}

static void mount_device(const struct child *c, const struct berth_mount *m)
{
    int fd = open_target(c, m, NODE_FILE);
    char buf[32];
    if (mount(m->source, text_fd_path(buf, fd), NULL, MS_BIND, NULL) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "device ", m->source, " on ", m->target);
    close(fd);
    apply_bind_flags(c, m, false);
}

static void make_symlink(const struct child *c, const struct berth_mount *m)
{
    // Split the target into its directory (created beneath the root) and name.
    char dir[PATH_MAX];
    size_t len = 0, slash = 0;
    while (m->target[len] != 0)
        len++;
    while (len > 1 && m->target[len - 1] == '/')
        len--;
    for (size_t i = 0; i < len; i++)
        if (m->target[i] == '/')
            slash = i;
    struct text t;
    text_init(&t, dir, sizeof dir);
    if (!text_add_n(&t, m->target, slash == 0 ? 1 : slash))
        child_fail(c, BERTH_STAGE_MOUNTS, ENAMETOOLONG, "symlink ", m->target);
    char name[NAME_MAX + 1];
    text_init(&t, name, sizeof name);
    if (!text_add_n(&t, m->target + slash + 1, len - slash - 1) || name[0] == 0)
        child_fail(c, BERTH_STAGE_MOUNTS, EINVAL, "symlink ", m->target);
    int parent = open_in_root(c->root, dir, NODE_DIRECTORY);
    if (parent < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "create ", dir);
    if (symlinkat(m->source, parent, name) < 0 && errno != EEXIST)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "symlink ", m->target, " -> ", m->source);
    close(parent);
}

/// With a terminal, its pty (from the host's devpts, invisible in the container's
/// new instance) is bound onto /dev/console, as runc does: ttyname() finds it there.
/// The fd was opened in berth's mount namespace, which a bind cannot take from:
/// its path is opened again in ours (still the host's tree before pivot_root)
/// and must be the same device. A pty that cannot be found so is left out.
static void mount_console(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    if (!p->tty)
        return;
    int tty = p->stdin_fd >= 0 ? p->stdin_fd : 0;
    struct stat given, found;
    char link[32], path[PATH_MAX];
    if (fstat(tty, &given) < 0 || !S_ISCHR(given.st_mode))
        return;
    ssize_t n = readlink(text_fd_path(link, tty), path, sizeof path - 1);
    if (n <= 0 || path[0] != '/')
        return;
    path[n] = 0;
    int pty = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (pty < 0)
        return;
    if (fstat(pty, &found) < 0 || !S_ISCHR(found.st_mode) || found.st_rdev != given.st_rdev) {
        close(pty);
        return;
    }
    static const struct berth_mount console = { .kind = BERTH_MOUNT_DEVICE, .target = "/dev/console" };
    int fd = open_target(c, &console, NODE_FILE);
    char source[32], target[32];
    if (mount(text_fd_path(source, pty), text_fd_path(target, fd), NULL, MS_BIND, NULL) < 0)
        child_fail(c, BERTH_STAGE_MOUNTS, errno, "bind ", path, " on /dev/console");
    close(fd);
    close(pty);
}

void rootfs_mount_all(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->mount_count; i++) {
        const struct berth_mount *m = &p->mounts[i];
        if (m->target == NULL || m->target[0] == 0 || (m->kind != BERTH_MOUNT_FS && m->source == NULL))
            child_fail_number(c, BERTH_STAGE_MOUNTS, EINVAL, "incomplete mount entry ", (unsigned long)i);
        switch (m->kind) {
        case BERTH_MOUNT_FS:
            mount_filesystem(c, m);
            break;
        case BERTH_MOUNT_BIND:
            mount_bind(c, m);
            break;
        case BERTH_MOUNT_DEVICE:
            mount_device(c, m);
            break;
        case BERTH_MOUNT_SYMLINK:
            make_symlink(c, m);
            break;
        default:
            child_fail(c, BERTH_STAGE_MOUNTS, EINVAL, "unknown mount kind for ", m->target);
        }
    }
    mount_console(c);
}

// ---------------------------------------------------------------------------
// 5: pivot_root.

void rootfs_pivot(struct child *c)
{
    const char *rootfs = c->plan->rootfs;
    if (fchdir(c->root) < 0)
        child_fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "chdir ", rootfs);
    // The old root ends up stacked on "." and is detached at once: no put_old.
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        child_fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "pivot_root ", rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        child_fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "detach the old root");
    if (chdir("/") < 0)
        child_fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "chdir /");
    close(c->root);
    c->root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->root < 0)
        child_fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "open /");
}

// ---------------------------------------------------------------------------
// 6: the working directory, created while still root and before a read-only
// rootfs.

/// mkdir -p of the working directory beneath the new root, while still root and
/// before the rootfs may turn read-only; held as an O_PATH fd for the fchdir.
void rootfs_create_cwd(struct child *c)
{
    const char *cwd = c->plan->cwd;
    if (cwd == NULL || cwd[0] == 0)
        return;
    c->cwd = open_in_root(c->root, cwd, NODE_DIRECTORY);
    if (c->cwd < 0)
        child_fail(c, BERTH_STAGE_CWD, errno, cwd);
}

// ---------------------------------------------------------------------------
// 7: masks and read-only paths (after pivot_root: plain paths, which resolve
// inside the container and can no longer reach the host).

void rootfs_mask_paths(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->masked_count; i++) {
        const char *path = p->masked_paths[i];
        struct stat st;
        if (stat(path, &st) < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            child_fail(c, BERTH_STAGE_MASKS, errno, "mask ", path);
        }
        int r = S_ISDIR(st.st_mode)
            ? mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
            : mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (r < 0 && errno != ENOENT)
            child_fail(c, BERTH_STAGE_MASKS, errno, "mask ", path);
    }
}

void rootfs_make_paths_readonly(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->readonly_count; i++) {
        const char *path = p->readonly_paths[i];
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            child_fail(c, BERTH_STAGE_MASKS, errno, "bind read-only ", path);
        }
        if (set_mount_attributes(AT_FDCWD, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true) < 0)
            child_fail(c, BERTH_STAGE_MASKS, errno, "remount read-only ", path);
    }
    if (p->readonly_rootfs && set_mount_attributes(AT_FDCWD, "/", MS_RDONLY, false) < 0)
        child_fail(c, BERTH_STAGE_MASKS, errno, "remount / read-only");
}
