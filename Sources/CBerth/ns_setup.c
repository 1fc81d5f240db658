// The child path's part of --pid/--ipc/--uts (joining a namespace that exists),
// --sysctl (written inside the container's namespaces) and --device as root
// (mknod beneath the container's root). Runs after clone: raw system calls
// only, no malloc, no stdio (child.h).
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "raw_syscalls.h"
#include "rootfs_paths.h"
#include "text.h"

// ---------------------------------------------------------------------------
// Joined namespaces.

void ns_join_pid_namespace(const struct child *c, int stage)
{
    // Changes the namespace of the children only: the caller forks next.
    if (c->plan->join_pidns && setns(c->plan->pidns_fd, CLONE_NEWPID) < 0)
        child_fail(c, stage, errno, "(pid)");
}

/// Before anything is mounted: the mqueue file system shows the IPC namespace
/// of the process that mounts it.
void ns_join_ipc_uts_namespaces(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    if (p->join_ipcns && setns(p->ipcns_fd, CLONE_NEWIPC) < 0)
        child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "(ipc)");
    if (p->join_utsns && setns(p->utsns_fd, CLONE_NEWUTS) < 0)
        child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "(uts)");
}

// ---------------------------------------------------------------------------
// --sysctl.

/// "net.ipv4.conf.eth0/1.forwarding" → "net/ipv4/conf/eth0.1/forwarding"
/// (sysctl(8)'s rule: a dot separates, a slash stands for a dot in a name).
static bool sysctl_path(const char *name, char *buf, size_t cap)
{
    size_t i = 0;
    for (; name[i] != 0; i++) {
        if (i + 1 >= cap)
            return false;
        buf[i] = name[i] == '.' ? '/' : (name[i] == '/' ? '.' : name[i]);
    }
    buf[i] = 0;
    return i > 0;
}

/// kernel.hostname and kernel.domainname: /proc/sys has them writable by the
/// host's root only, the system calls by the UTS namespace's root.
static bool set_uts_name(const struct child *c, const char *name, const char *value)
{
    int (*set)(const char *, size_t) = text_equal(name, "kernel.hostname") ? sethostname
                                     : text_equal(name, "kernel.domainname") ? setdomainname : NULL;
    if (set == NULL)
        return false;
    if (!(c->flags & CLONE_NEWUTS) && !c->plan->join_utsns) // the host's (create refuses it)
        child_fail(c, BERTH_STAGE_SYSCTL, EINVAL, "sysctl ", name, " without a UTS namespace");
    if (set(value, text_length(value)) < 0)
        child_fail(c, BERTH_STAGE_SYSCTL, errno, "sysctl ", name, "=", value);
    return true;
}

/// The /proc/sys of the container's proc file system, opened by
/// ns_open_sysctls (a copy of berth's memory per child: one child, one fd).
static int sysctl_dir = -1;

/// After pivot_root, while /proc/sys is still writable and nothing of the
/// container has run: /proc is the proc file system this child mounted (or the
/// host's bound there for --pid host rootless), checked to be procfs. The fd
/// stays on that mount, so the read-only bind step 7 puts over /proc/sys does
/// not apply to what is opened beneath it.
void ns_open_sysctls(const struct child *c)
{
    if (c->plan->sysctl_count == 0)
        return;
    sysctl_dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sysctl_dir < 0)
        child_fail(c, BERTH_STAGE_SYSCTL, errno, "open /proc/sys");
    struct statfs fs;
    if (fstatfs(sysctl_dir, &fs) < 0)
        child_fail(c, BERTH_STAGE_SYSCTL, errno, "statfs /proc/sys");
    if (fs.f_type != PROC_SUPER_MAGIC)
        child_fail(c, BERTH_STAGE_SYSCTL, EXDEV, "/proc/sys is not the proc file system");
}

/// Once the network is there (past the network barrier: pasta's interface
/// exists, for net.ipv4.conf.IFACE.*), before anything of the container runs.
/// Every file is opened beneath /proc/sys without following a symlink or
/// crossing a mount, so neither the image nor a volume can redirect a write.
/// /proc/sys answers for the namespaces of the writer: the container's.
void ns_write_sysctls(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->sysctl_count; i++) {
        const char *name = p->sysctl_names[i];
        if (set_uts_name(c, name, p->sysctl_values[i]))
            continue;
        char path[PATH_MAX];
        if (!sysctl_path(name, path, sizeof path))
            child_fail(c, BERTH_STAGE_SYSCTL, ENAMETOOLONG, "sysctl ", name);
        struct open_how how = {
            .flags = (uint64_t)(O_WRONLY | O_CLOEXEC),
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd;
        do {
            fd = syscall(SYS_openat2, sysctl_dir, path, &how, sizeof how);
        } while (fd < 0 && (errno == EAGAIN || errno == EINTR));
        if (fd < 0)
            child_fail(c, BERTH_STAGE_SYSCTL, errno, "open sysctl ", name);
        child_write_value(c, (int)fd, p->sysctl_values[i], BERTH_STAGE_SYSCTL, "write sysctl ", name, "=", p->sysctl_values[i]);
        close((int)fd);
    }
    if (sysctl_dir >= 0)
        close(sysctl_dir);
    sysctl_dir = -1;
}

// ---------------------------------------------------------------------------
// --device (root).

/// The node at `target` beneath the root: its directory made as needed
/// (resolved in the root, rootfs_paths.c), a file already there replaced.
static void make_device(const struct child *c, const struct berth_device *d)
{
    char dir[PATH_MAX];
    struct text t;
    text_init(&t, dir, sizeof dir);
    size_t len = text_length(d->target);
    size_t slash = len;
    while (slash > 0 && d->target[slash - 1] != '/')
        slash--;
    const char *base = d->target + slash;
    if (base[0] == 0 || text_equal(base, ".") || text_equal(base, "..")
        || slash == 0 || !text_add_n(&t, d->target, slash > 1 ? slash - 1 : slash))
        child_fail(c, BERTH_STAGE_DEVICES, EINVAL, "device path ", d->target);
    int parent = open_in_root(c->root, dir, NODE_DIRECTORY);
    if (parent < 0)
        child_fail(c, BERTH_STAGE_DEVICES, errno, "create ", dir);
    dev_t number = makedev(d->major, d->minor);
    if (mknodat(parent, base, d->mode, number) < 0) {
        // An image's file of that name gives way, as runc's; a directory or a
        // mount point does not (unlinkat fails).
        if (errno != EEXIST || unlinkat(parent, base, 0) < 0 || mknodat(parent, base, d->mode, number) < 0)
            child_fail(c, BERTH_STAGE_DEVICES, errno, "mknod ", d->target);
    }
    // mknod applied berth's umask; ownership and mode are the host node's.
    if (fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        child_fail(c, BERTH_STAGE_DEVICES, errno, "chown ", d->target);
    if (fchmodat(parent, base, d->mode & 07777, 0) < 0)
        child_fail(c, BERTH_STAGE_DEVICES, errno, "chmod ", d->target);
    close(parent);
}

void ns_make_devices(const struct child *c)
{
    for (size_t i = 0; i < c->plan->device_count; i++)
        make_device(c, &c->plan->devices[i]);
}
