// The container child path (design.md §2, launch.h). berth_launch() clones a
// child that waits for berth_launch_release(), assembles the container and
// execs; a failing step reports {stage, errno, detail} on the sync socket and
// the child exits 127.
//
// After the clone the child runs only this file's code: raw system calls and
// tiny helpers, no malloc, no stdio, no locks, _exit never exit. The process it
// was cloned from may be multi-threaded (Swift), so glibc calls that broadcast
// to "other threads" (setuid, setgid, setgroups through __nptl_setxid) would
// hang or lie in the child: ids are changed with raw syscall() instead.
//
// The order of the child's steps, and why:
//   1. reset signal dispositions to SIG_DFL, unblock signals (the parent
//      blocked all of them around the clone);
//   2. PR_SET_PDEATHSIG SIGKILL (+ getppid check without a pid namespace),
//      close the parent's socket end, move the sync fd above the preserved
//      fds, block reading the release byte (EOF: the parent is gone: exit);
//   3. user namespace: become its root (setresgid/setresuid 0, setgroups 0)
//      so that what the child creates belongs to a mapped id; then not
//      dumpable, every fd above 2 (and above the preserved ones) close-on-exec,
//      unshare(CLONE_NEWCGROUP) now that the parent has moved us into the
//      container's cgroup (a cgroup namespace made at clone time would be
//      rooted at berth's own cgroup);
//   4. "/" recursively private; overlay (or self-bind) on the rootfs; the plan's
//      mounts in order, every target resolved and created beneath the rootfs
//      with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) and mounted through
//      /proc/self/fd/N of an O_PATH fd (no symlink in the image, planted or
//      raced, can send a mount to a host path); with a tty, the terminal
//      bound on /dev/console;
//   5. pivot_root(".", ".") + umount2(".", MNT_DETACH) + chdir("/");
//   6. hostname, lo up, net.ipv4.ping_group_range (before /proc/sys goes
//      read-only); the working directory is created (mkdir -p beneath the
//      root) and held open as an O_PATH fd (before a read-only rootfs);
//   7. masked paths, read-only paths, read-only rootfs;
//   8. rlimits (raising a hard limit needs CAP_SYS_RESOURCE: before the caps go);
//   9. seccomp when no_new_privs is false: loading a filter without
//      no_new_privs needs CAP_SYS_ADMIN, so it happens here while the child is
//      still privileged (as runc does); the filter must then allow what
//      follows (prctl, capset, setgroups, setresgid, setresuid, umask, fchdir,
//      fcntl, dup3, close, setsid, ioctl, setpgid, clone, wait4,
//      rt_sigtimedwait, kill, sendto, recvfrom, execve, exit_group), which the
//      default profile does;
//  10. bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP: before the uid change);
//  11. PR_SET_KEEPCAPS, setgroups, setresgid, setresuid, PR_SET_KEEPCAPS off,
//      PR_SET_PDEATHSIG again (a uid change clears it);
//  12. capset (v3) and ambient caps (cleared, then raised);
//  13. umask; fchdir to the working directory (the search permission is
//      checked as the container user);
//  14. stdio onto 0/1/2; with a tty setsid + TIOCSCTTY;
//  15. no_new_privs, then seccomp when no_new_privs is true (as late as
//      possible: the filter only has to allow execve and the report);
//  16. init mode: fork; pid 1 stays a reaper/forwarder, the grandchild goes on;
//  17. execve (PATH search in plan->search_path when the path has no slash).
//
// Join mode (plan->join_userns, launch.h): berth_launch clones an intermediate
// process with no namespace flags instead. Still single-threaded and with all
// signals blocked, it arms PR_SET_PDEATHSIG (+ getppid check), closes the
// parent's socket end, setns()es into the user namespace (allowed: single-
// threaded, its own fs struct, and its uid owns that namespace or is root),
// becomes its root (step 3's ids), unshares the other namespaces but
// CLONE_NEWCGROUP, and forks the container process with CLONE_PARENT, so it
// is the caller thread's child from its first instruction: never an orphan
// and never reparented, so its PR_SET_PDEATHSIG (armed in step 2 as always)
// names the caller's thread, not the short-lived intermediate. The container
// process runs steps 1-17 unchanged (the user namespace is already entered:
// step 3's ids are skipped as without CLONE_NEWUSER). The intermediate sends
// the container process's pid (a pid record, see launch.h) and exits 0; a
// failure is a BERTH_STAGE_JOIN_USERNS report and exit 127.
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
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
#ifndef MOUNT_ATTR__ATIME
#define MOUNT_ATTR__ATIME 0x00000070
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define CHILD_FAILED 127
#define DEFAULT_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NAMESPACE_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWUSER)
#define PROPAGATION_FLAGS ((unsigned long)(MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE))
#define ATIME_FLAGS ((unsigned long)(MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
/// Flags that say how to bind, not what the mount is.
#define BIND_FLAGS ((unsigned long)(MS_BIND | MS_REC | MS_REMOUNT))

/// What the child carries besides the plan (its own copy of the parent's memory).
struct child {
    const struct berth_launch_plan *plan;
    int flags;        // plan->clone_flags without the exit signal
    int sync;         // the child's end of the socketpair
    int parent_end;   // the parent's end: closed first thing
    int cap_last_cap;
    pid_t parent;     // getpid() of the parent, for the getppid check
    int root;         // O_PATH fd of the container's root
    int cwd;          // O_PATH fd of the working directory, or -1
};

// ---------------------------------------------------------------------------
// Async-signal-safe text: bounded copies into stack buffers.

struct text {
    char *buf;
    size_t cap;
    size_t len;
};

static void text_init(struct text *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    buf[0] = 0;
}

/// Appends at most n bytes of s (stops at NUL); false when the buffer was too small.
static bool text_add_n(struct text *t, const char *s, size_t n)
{
    if (s == NULL)
        return true;
    for (size_t i = 0; i < n && s[i] != 0; i++) {
        if (t->len + 1 >= t->cap) {
            t->buf[t->len] = 0;
            return false;
        }
        t->buf[t->len++] = s[i];
    }
    t->buf[t->len] = 0;
    return true;
}

static bool text_add(struct text *t, const char *s)
{
    return text_add_n(t, s, (size_t)-1);
}

static bool text_add_number(struct text *t, unsigned long value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    char out[24];
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return text_add_n(t, out, n);
}

static bool text_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static bool text_has_slash(const char *s)
{
    for (; *s != 0; s++)
        if (*s == '/')
            return true;
    return false;
}

/// "/proc/self/fd/N": mount(2) and friends follow this magic link to the inode
/// the O_PATH fd holds, so the path is not walked again.
static const char *fd_path(char buf[32], int fd)
{
    struct text t;
    text_init(&t, buf, 32);
    text_add(&t, "/proc/self/fd/");
    text_add_number(&t, (unsigned long)fd);
    return buf;
}

// ---------------------------------------------------------------------------
// Reporting.

/// Sends {stage, error, a+b+d+e} to the parent and exits 127. Never returns.
static _Noreturn void fail4(const struct child *c, int stage, int error,
                            const char *a, const char *b, const char *d, const char *e)
{
    struct berth_launch_report report = { .stage = stage, .error = error };
    struct text t;
    text_init(&t, report.detail, sizeof report.detail);
    text_add(&t, a);
    text_add(&t, b);
    text_add(&t, d);
    text_add(&t, e);
    ssize_t n;
    do {
        n = send(c->sync, &report, sizeof report, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    // Nothing more to do if the parent is gone: the exit status still says 127.
    _exit(CHILD_FAILED);
}

static _Noreturn void fail(const struct child *c, int stage, int error, const char *a, const char *b, const char *d)
{
    fail4(c, stage, error, a, b, d, NULL);
}

static _Noreturn void fail_number(const struct child *c, int stage, int error, const char *what, unsigned long number)
{
    char buf[24];
    struct text t;
    text_init(&t, buf, sizeof buf);
    text_add_number(&t, number);
    fail(c, stage, error, what, buf, NULL);
}

// ---------------------------------------------------------------------------
// Raw system calls the child needs without glibc's bookkeeping.

/// The kernel's struct sigaction; all zero is SIG_DFL on every architecture.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static int set_signal_default(int sig)
{
    struct kernel_sigaction action = { .handler = SIG_DFL };
    return (int)syscall(SYS_rt_sigaction, sig, &action, NULL, sizeof action.mask);
}

static int set_signal_mask(uint64_t mask)
{
    return (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof mask);
}

// setresuid(2) & co. through glibc would run __nptl_setxid, which signals the
// parent's other threads: in the child they do not exist.
static int raw_setresuid(uid_t uid)
{
#ifdef SYS_setresuid32
    return (int)syscall(SYS_setresuid32, uid, uid, uid);
#else
    return (int)syscall(SYS_setresuid, uid, uid, uid);
#endif
}

static int raw_setresgid(gid_t gid)
{
#ifdef SYS_setresgid32
    return (int)syscall(SYS_setresgid32, gid, gid, gid);
#else
    return (int)syscall(SYS_setresgid, gid, gid, gid);
#endif
}

static int raw_setgroups(size_t count, const gid_t *groups)
{
#ifdef SYS_setgroups32
    return (int)syscall(SYS_setgroups32, count, groups);
#else
    return (int)syscall(SYS_setgroups, count, groups);
#endif
}

static pid_t raw_fork(void)
{
    // fork-like clone: no new stack, the child continues on a copy of this one.
    return (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
}

/// An O_PATH fd of `path` resolved inside the root `dirfd` (absolute symlinks and
/// ".." stay beneath it; magic links such as /proc/self/root are refused).
static int open_beneath(int dirfd, const char *path, int flags)
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

/// Is the parent still there? Its end of the socket closes when it dies.
static void check_parent_alive(const struct child *c)
{
    char byte;
    ssize_t n;
    do {
        n = recv(c->sync, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        _exit(CHILD_FAILED);
}

/// The parent-death signal is cleared by a change of the effective ids: arm it again.
static void rearm_parent_death(const struct child *c, int stage)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        fail(c, stage, errno, "PR_SET_PDEATHSIG", NULL, NULL);
    check_parent_alive(c);
}

// ---------------------------------------------------------------------------
// Paths beneath the root, created as needed.

enum node_kind { NODE_DIRECTORY, NODE_FILE };

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
    size_t len = 0;
    while (path[len] != 0)
        len++;
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

/// O_PATH fd of `path` beneath `root`, creating missing directories and the
/// last component as `kind`. -1 with errno on failure.
static int open_in_root(int root, const char *path, enum node_kind kind)
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

// ---------------------------------------------------------------------------
// Mount attributes.

/// Sets the per-mount flags in `flags` (ro, nosuid, nodev, noexec, atime,
/// nosymfollow) on the mount at dirfd+path ("" = dirfd itself), on every mount
/// beneath it too when `recursive`. Only sets: flags a user namespace locks stay.
static int set_mount_attributes(int dirfd, const char *path, unsigned long flags, bool recursive)
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
    const char *target = path[0] == 0 ? fd_path(buf, dirfd) : path;
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
// 1-3: start-up, release, namespaces.

static void reset_signals(const struct child *c)
{
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (set_signal_default(sig) < 0)
            fail_number(c, BERTH_STAGE_SYNC, errno, "reset signal ", (unsigned long)sig);
    }
    if (set_signal_mask(0) < 0)
        fail(c, BERTH_STAGE_SYNC, errno, "unblock signals", NULL, NULL);
}

static int first_unpreserved_fd(const struct berth_launch_plan *plan)
{
    int keep = plan->preserve_fds > 0 ? plan->preserve_fds : 0;
    return 3 + keep;
}

static void wait_for_release(struct child *c)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_SYNC, errno, "PR_SET_PDEATHSIG", NULL, NULL);
    // In a new pid namespace getppid() is 0; the EOF on the socket below still
    // catches a parent that died before the line above.
    if (!(c->flags & CLONE_NEWPID) && getppid() != c->parent)
        _exit(CHILD_FAILED);
    // -1: closed already by the intermediate of join mode.
    if (c->parent_end >= 0 && close(c->parent_end) < 0)
        fail(c, BERTH_STAGE_SYNC, errno, "close the parent's socket", NULL, NULL);
    c->parent_end = -1;

    // Keep the socket out of 0-2 and of the fds handed to the container.
    int first = first_unpreserved_fd(c->plan);
    if (c->sync < first) {
        int moved = fcntl(c->sync, F_DUPFD_CLOEXEC, first);
        if (moved < 0)
            fail(c, BERTH_STAGE_SYNC, errno, "move the sync socket", NULL, NULL);
        close(c->sync);
        c->sync = moved;
    }

    char byte;
    ssize_t n;
    do {
        n = recv(c->sync, &byte, 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(CHILD_FAILED); // the parent went away or gave up: nobody to tell
}

/// Root of the user namespace just entered (created or joined), failures
/// reported at `stage`.
static void become_userns_root(const struct child *c, int stage)
{
    // EINVAL: 0 is not mapped; carry on with the ids we have.
    if (raw_setresgid(0) < 0 && errno != EINVAL)
        fail(c, stage, errno, "setresgid 0 in the user namespace", NULL, NULL);
    if (raw_setresuid(0) < 0 && errno != EINVAL)
        fail(c, stage, errno, "setresuid 0 in the user namespace", NULL, NULL);
    // EPERM: setgroups is denied in this namespace.
    if (raw_setgroups(0, NULL) < 0 && errno != EPERM)
        fail(c, stage, errno, "setgroups in the user namespace", NULL, NULL);
    rearm_parent_death(c, stage);
}

/// In a new user namespace the child still has the host's ids (unmapped:
/// files it created would fail with EOVERFLOW): become the namespace's root.
/// (A joined one was entered by the intermediate, which did this already.)
static void become_namespace_root(const struct child *c)
{
    if (!(c->flags & CLONE_NEWUSER))
        return;
    become_userns_root(c, BERTH_STAGE_IDS);
}

static void protect_process(const struct child *c)
{
    // Not dumpable from now to exec (exec resets it): processes in the
    // container cannot open /proc/PID/{exe,mem,fd} of a copy of berth. Only
    // after the release, so that the parent could write the id maps.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_SYNC, errno, "PR_SET_DUMPABLE", NULL, NULL);

    // No fd of berth's reaches the container: all close on exec except 0-2
    // and the preserved ones (which lose close-on-exec).
    int first = first_unpreserved_fd(c->plan);
    if (syscall(SYS_close_range, (unsigned int)first, ~0U, CLOSE_RANGE_CLOEXEC) < 0
        && errno != ENOSYS && errno != EINVAL)
        fail(c, BERTH_STAGE_STDIO, errno, "close_range", NULL, NULL);
    for (int fd = 3; fd < first; fd++)
        if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
            fail_number(c, BERTH_STAGE_STDIO, errno, "preserve fd ", (unsigned long)fd);
}

static void enter_cgroup_namespace(const struct child *c)
{
    if ((c->flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        fail(c, BERTH_STAGE_NAMESPACES, errno, "unshare cgroup namespace", NULL, NULL);
}

// ---------------------------------------------------------------------------
// 4: the root filesystem and the plan's mounts.

static void mount_rootfs(struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    if (!(c->flags & CLONE_NEWNS))
        fail(c, BERTH_STAGE_MOUNT_ROOTFS, EINVAL, "no mount namespace (CLONE_NEWNS)", NULL, NULL);
    if (p->rootfs == NULL)
        fail(c, BERTH_STAGE_MOUNT_ROOTFS, EINVAL, "no rootfs", NULL, NULL);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "make / private", NULL, NULL);
    if (p->overlay_options != NULL) {
        if (mount("overlay", p->rootfs, "overlay", 0, p->overlay_options) < 0)
            fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "overlay on ", p->rootfs, NULL);
    } else if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
        fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "bind ", p->rootfs, NULL);
    }
    c->root = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->root < 0)
        fail(c, BERTH_STAGE_MOUNT_ROOTFS, errno, "open ", p->rootfs, NULL);
}

static int open_target(const struct child *c, const struct berth_mount *m, enum node_kind kind)
{
    int fd = open_in_root(c->root, m->target, kind);
    if (fd < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "create ", m->target, NULL);
    return fd;
}

/// The mount now on top of m->target (an fd taken before the mount names the
/// covered inode, not the new mount).
static int reopen_target(const struct child *c, const struct berth_mount *m)
{
    int fd = open_beneath(c->root, m->target, 0);
    if (fd < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "open ", m->target, NULL);
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
        fail(c, BERTH_STAGE_MOUNTS, errno, "remount ", m->target, NULL);
    char buf[32];
    if (propagation != 0 && mount(NULL, fd_path(buf, fd), NULL, propagation | (m->flags & MS_REC), NULL) < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "propagation of ", m->target, NULL);
    close(fd);
}

static void mount_filesystem(const struct child *c, const struct berth_mount *m)
{
    int fd = open_target(c, m, NODE_DIRECTORY);
    char buf[32];
    if (mount(m->source, fd_path(buf, fd), m->fstype, m->flags, m->data) == 0) {
        close(fd);
        return;
    }
    // sysfs needs a network namespace of our own (rootless with the host's
    // network): bind the host's /sys instead, read-only and recursive as asked.
    if (errno != EPERM || !text_equal(m->fstype, "sysfs"))
        fail(c, BERTH_STAGE_MOUNTS, errno, m->fstype, " on ", m->target);
    if (mount("/sys", buf, NULL, MS_BIND | MS_REC, NULL) < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "bind /sys on ", m->target, NULL);
    close(fd);
    fd = reopen_target(c, m);
    if (set_mount_attributes(fd, "", m->flags & ~(BIND_FLAGS | PROPAGATION_FLAGS), true) < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "remount ", m->target, NULL);
    close(fd);
}

static void mount_bind(const struct child *c, const struct berth_mount *m)
{
    struct stat st;
    if (stat(m->source, &st) < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "bind source ", m->source, NULL);
    int fd = open_target(c, m, S_ISDIR(st.st_mode) ? NODE_DIRECTORY : NODE_FILE);
    char buf[32];
    if (mount(m->source, fd_path(buf, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
        fail4(c, BERTH_STAGE_MOUNTS, errno, "bind ", m->source, " on ", m->target);
    close(fd);
    apply_bind_flags(c, m, true);
}

static void mount_device(const struct child *c, const struct berth_mount *m)
{
    int fd = open_target(c, m, NODE_FILE);
    char buf[32];
    if (mount(m->source, fd_path(buf, fd), NULL, MS_BIND, NULL) < 0)
        fail4(c, BERTH_STAGE_MOUNTS, errno, "device ", m->source, " on ", m->target);
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
        fail(c, BERTH_STAGE_MOUNTS, ENAMETOOLONG, "symlink ", m->target, NULL);
    char name[NAME_MAX + 1];
    text_init(&t, name, sizeof name);
    if (!text_add_n(&t, m->target + slash + 1, len - slash - 1) || name[0] == 0)
        fail(c, BERTH_STAGE_MOUNTS, EINVAL, "symlink ", m->target, NULL);
    int parent = open_in_root(c->root, dir, NODE_DIRECTORY);
    if (parent < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "create ", dir, NULL);
    if (symlinkat(m->source, parent, name) < 0 && errno != EEXIST)
        fail4(c, BERTH_STAGE_MOUNTS, errno, "symlink ", m->target, " -> ", m->source);
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
    ssize_t n = readlink(fd_path(link, tty), path, sizeof path - 1);
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
    if (mount(fd_path(source, pty), fd_path(target, fd), NULL, MS_BIND, NULL) < 0)
        fail(c, BERTH_STAGE_MOUNTS, errno, "bind ", path, " on /dev/console");
    close(fd);
    close(pty);
}

static void mount_all(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->mount_count; i++) {
        const struct berth_mount *m = &p->mounts[i];
        if (m->target == NULL || m->target[0] == 0 || (m->kind != BERTH_MOUNT_FS && m->source == NULL))
            fail_number(c, BERTH_STAGE_MOUNTS, EINVAL, "incomplete mount entry ", (unsigned long)i);
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
            fail(c, BERTH_STAGE_MOUNTS, EINVAL, "unknown mount kind for ", m->target, NULL);
        }
    }
    mount_console(c);
}

// ---------------------------------------------------------------------------
// 5: pivot_root.

static void pivot_to_rootfs(struct child *c)
{
    const char *rootfs = c->plan->rootfs;
    if (fchdir(c->root) < 0)
        fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "chdir ", rootfs, NULL);
    // The old root ends up stacked on "." and is detached at once: no put_old.
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "pivot_root ", rootfs, NULL);
    if (umount2(".", MNT_DETACH) < 0)
        fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "detach the old root", NULL, NULL);
    if (chdir("/") < 0)
        fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "chdir /", NULL, NULL);
    close(c->root);
    c->root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->root < 0)
        fail(c, BERTH_STAGE_PIVOT_ROOT, errno, "open /", NULL, NULL);
}

// ---------------------------------------------------------------------------
// 6: hostname, network, working directory.

static void set_hostname(const struct child *c)
{
    const char *name = c->plan->hostname;
    if (name == NULL)
        return;
    if (!(c->flags & CLONE_NEWUTS)) // would rename the host
        fail(c, BERTH_STAGE_HOSTNAME, EINVAL, "hostname without a UTS namespace", NULL, NULL);
    size_t len = 0;
    while (name[len] != 0)
        len++;
    if (sethostname(name, len) < 0)
        fail(c, BERTH_STAGE_HOSTNAME, errno, "sethostname ", name, NULL);
}

static void bring_loopback_up(const struct child *c)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        fail(c, BERTH_STAGE_NETWORK, errno, "socket for lo", NULL, NULL);
    struct ifreq request = { 0 };
    request.ifr_name[0] = 'l';
    request.ifr_name[1] = 'o';
    if (ioctl(sock, SIOCGIFFLAGS, &request) < 0)
        fail(c, BERTH_STAGE_NETWORK, errno, "SIOCGIFFLAGS lo", NULL, NULL);
    if (!(request.ifr_flags & IFF_UP)) {
        request.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &request) < 0)
            fail(c, BERTH_STAGE_NETWORK, errno, "bring lo up", NULL, NULL);
    }
    close(sock);
}

static void write_ping_group_range(const struct child *c)
{
    static const char path[] = "/proc/sys/net/ipv4/ping_group_range";
    const char *value = c->plan->ping_group_range;
    if (!(c->flags & CLONE_NEWNET)) // would change the host's
        fail(c, BERTH_STAGE_NETWORK, EINVAL, "ping_group_range without a network namespace", NULL, NULL);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        fail(c, BERTH_STAGE_NETWORK, errno, path, NULL, NULL);
    size_t len = 0;
    while (value[len] != 0)
        len++;
    ssize_t n;
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != len)
        fail(c, BERTH_STAGE_NETWORK, n < 0 ? errno : EIO, path, NULL, NULL);
    close(fd);
}

static void set_up_network(const struct child *c)
{
    // lo of the host is up already: only a new namespace needs it.
    if (c->plan->loopback_up && (c->flags & CLONE_NEWNET))
        bring_loopback_up(c);
    if (c->plan->ping_group_range != NULL)
        write_ping_group_range(c);
}

/// mkdir -p of the working directory beneath the new root, while still root and
/// before the rootfs may turn read-only; held as an O_PATH fd for the fchdir.
static void create_cwd(struct child *c)
{
    const char *cwd = c->plan->cwd;
    if (cwd == NULL || cwd[0] == 0)
        return;
    c->cwd = open_in_root(c->root, cwd, NODE_DIRECTORY);
    if (c->cwd < 0)
        fail(c, BERTH_STAGE_CWD, errno, cwd, NULL, NULL);
}

// ---------------------------------------------------------------------------
// 7: masks and read-only paths (after pivot_root: plain paths, which resolve
// inside the container and can no longer reach the host).

static void mask_paths(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->masked_count; i++) {
        const char *path = p->masked_paths[i];
        struct stat st;
        if (stat(path, &st) < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            fail(c, BERTH_STAGE_MASKS, errno, "mask ", path, NULL);
        }
        int r = S_ISDIR(st.st_mode)
            ? mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
            : mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (r < 0 && errno != ENOENT)
            fail(c, BERTH_STAGE_MASKS, errno, "mask ", path, NULL);
    }
}

static void make_paths_readonly(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->readonly_count; i++) {
        const char *path = p->readonly_paths[i];
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            fail(c, BERTH_STAGE_MASKS, errno, "bind read-only ", path, NULL);
        }
        if (set_mount_attributes(AT_FDCWD, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true) < 0)
            fail(c, BERTH_STAGE_MASKS, errno, "remount read-only ", path, NULL);
    }
    if (p->readonly_rootfs && set_mount_attributes(AT_FDCWD, "/", MS_RDONLY, false) < 0)
        fail(c, BERTH_STAGE_MASKS, errno, "remount / read-only", NULL, NULL);
}

// ---------------------------------------------------------------------------
// 8-12: rlimits, seccomp, capabilities, ids.

static const char *rlimit_name(int resource)
{
    static const char *const names[] = {
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
        "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
        "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    };
    if (resource >= 0 && (size_t)resource < sizeof names / sizeof names[0])
        return names[resource];
    return "RLIMIT_?";
}

static void set_rlimits(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->rlimit_count; i++) {
        const struct berth_rlimit *r = &p->rlimits[i];
        struct { uint64_t soft, hard; } limit = { r->soft, r->hard };
        if (syscall(SYS_prlimit64, 0, r->resource, &limit, NULL) < 0)
            fail(c, BERTH_STAGE_RLIMITS, errno, rlimit_name(r->resource), NULL, NULL);
    }
}

static void load_seccomp(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    if (p->seccomp_filter == NULL || p->seccomp_filter_len == 0)
        return;
    if (p->seccomp_filter_len > BPF_MAXINSNS)
        fail(c, BERTH_STAGE_SECCOMP, EINVAL, "seccomp program too long", NULL, NULL);
    struct sock_fprog program = {
        .len = (unsigned short)p->seccomp_filter_len,
        .filter = (struct sock_filter *)(uintptr_t)p->seccomp_filter,
    };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) < 0)
        fail(c, BERTH_STAGE_SECCOMP, errno, "seccomp", NULL, NULL);
}

static int last_cap(const struct child *c)
{
    return c->cap_last_cap > 63 ? 63 : c->cap_last_cap;
}

static void drop_bounding_set(const struct child *c)
{
    for (int cap = 0; cap <= last_cap(c); cap++) {
        if (c->plan->cap_bounding & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail_number(c, BERTH_STAGE_CAPABILITIES, errno, "drop from the bounding set: cap ", (unsigned long)cap);
    }
}

static void switch_ids(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    // Keep the permitted set across the uid change; capset picks from it next.
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_IDS, errno, "PR_SET_KEEPCAPS", NULL, NULL);
    // EPERM with no groups: a user namespace with setgroups denied, nothing to drop.
    if (raw_setgroups(p->group_count, p->groups) < 0 && !(errno == EPERM && p->group_count == 0))
        fail(c, BERTH_STAGE_IDS, errno, "setgroups", NULL, NULL);
    if (raw_setresgid(p->gid) < 0)
        fail_number(c, BERTH_STAGE_IDS, errno, "setresgid ", (unsigned long)p->gid);
    if (raw_setresuid(p->uid) < 0)
        fail_number(c, BERTH_STAGE_IDS, errno, "setresuid ", (unsigned long)p->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_IDS, errno, "PR_SET_KEEPCAPS", NULL, NULL);
    rearm_parent_death(c, BERTH_STAGE_IDS);
}

static void set_capabilities(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    // The kernel raises an ambient cap only if it is permitted and inheritable.
    uint64_t inheritable = p->cap_inheritable | p->cap_ambient;
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2] = {
        { .effective = (uint32_t)p->cap_effective, .permitted = (uint32_t)p->cap_permitted,
          .inheritable = (uint32_t)inheritable },
        { .effective = (uint32_t)(p->cap_effective >> 32), .permitted = (uint32_t)(p->cap_permitted >> 32),
          .inheritable = (uint32_t)(inheritable >> 32) },
    };
    if (syscall(SYS_capset, &header, data) < 0)
        fail(c, BERTH_STAGE_CAPABILITIES, errno, "capset", NULL, NULL);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && !(errno == EINVAL && p->cap_ambient == 0))
        fail(c, BERTH_STAGE_CAPABILITIES, errno, "clear ambient capabilities", NULL, NULL);
    for (int cap = 0; cap <= last_cap(c); cap++)
        if ((p->cap_ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail_number(c, BERTH_STAGE_CAPABILITIES, errno, "raise ambient cap ", (unsigned long)cap);
}

// ---------------------------------------------------------------------------
// 13-14: umask, working directory, stdio.

static void enter_cwd(struct child *c)
{
    umask(c->plan->umask);
    if (c->cwd < 0)
        return;
    if (fchdir(c->cwd) < 0)
        fail(c, BERTH_STAGE_CWD, errno, c->plan->cwd, NULL, NULL);
    close(c->cwd);
    c->cwd = -1;
}

static void set_up_stdio(const struct child *c)
{
    static const char *const names[3] = { "stdin", "stdout", "stderr" };
    const struct berth_launch_plan *p = c->plan;
    int source[3] = { p->stdin_fd, p->stdout_fd, p->stderr_fd };
    int temporary[3] = { -1, -1, -1 };
    // A source among 0-2 that another target would overwrite moves out of the way.
    for (int i = 0; i < 3; i++) {
        if (source[i] >= 0 && source[i] < 3 && source[i] != i) {
            temporary[i] = fcntl(source[i], F_DUPFD_CLOEXEC, 3);
            if (temporary[i] < 0)
                fail(c, BERTH_STAGE_STDIO, errno, "dup ", names[i], NULL);
            source[i] = temporary[i];
        }
    }
    for (int i = 0; i < 3; i++) {
        if (source[i] < 0)
            continue;
        int r = source[i] == i ? fcntl(i, F_SETFD, 0) : dup3(source[i], i, 0);
        if (r < 0)
            fail(c, BERTH_STAGE_STDIO, errno, "dup ", names[i], NULL);
    }
    for (int i = 0; i < 3; i++)
        if (temporary[i] >= 0)
            close(temporary[i]);
    if (p->tty) {
        if (setsid() < 0)
            fail(c, BERTH_STAGE_STDIO, errno, "setsid", NULL, NULL);
        if (ioctl(0, TIOCSCTTY, 0) < 0)
            fail(c, BERTH_STAGE_STDIO, errno, "TIOCSCTTY", NULL, NULL);
    }
}

static void restrict_privileges(const struct child *c)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_SECCOMP, errno, "PR_SET_NO_NEW_PRIVS", NULL, NULL);
    load_seccomp(c);
}

// ---------------------------------------------------------------------------
// 16: the init (pid 1 that reaps and forwards).

static _Noreturn void init_loop(pid_t main_child)
{
    uint64_t all = ~0ULL;
    for (;;) {
        siginfo_t info;
        int sig = (int)syscall(SYS_rt_sigtimedwait, &all, &info, NULL, sizeof all);
        if (sig < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            kill(main_child, SIGKILL);
            _exit(CHILD_FAILED);
        }
        if (sig != SIGCHLD) {
            // ESRCH: it is exiting; its SIGCHLD is on the way.
            kill(main_child, sig);
            continue;
        }
        for (;;) {
            int status;
            pid_t pid = (pid_t)syscall(SYS_wait4, -1, &status, WNOHANG, NULL);
            if (pid <= 0)
                break;
            if (pid == main_child)
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

/// The grandchild: the container's process. Signals are still all blocked here.
static void become_main_child(const struct child *c, pid_t init)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_INIT, errno, "PR_SET_PDEATHSIG", NULL, NULL);
    if (getppid() != init)
        _exit(CHILD_FAILED);
    if (c->plan->tty) {
        // Its own process group in the terminal's foreground, so that ^C goes to
        // it once, not through pid 1 too (SIGTTOU is blocked: no stop).
        pid_t self = getpid();
        if (setpgid(0, 0) < 0)
            fail(c, BERTH_STAGE_INIT, errno, "setpgid", NULL, NULL);
        if (ioctl(0, TIOCSPGRP, &self) < 0)
            fail(c, BERTH_STAGE_INIT, errno, "TIOCSPGRP", NULL, NULL);
    }
    if (set_signal_mask(0) < 0)
        fail(c, BERTH_STAGE_INIT, errno, "unblock signals", NULL, NULL);
}

/// Returns in the grandchild only; the caller (pid 1) never comes back.
static void run_init(const struct child *c)
{
    // pid 1 of a pid namespace ignores signals it has no handler for: it takes
    // them all with sigwaitinfo instead (and SIGCHLD stays queued meanwhile).
    if (set_signal_mask(~0ULL) < 0)
        fail(c, BERTH_STAGE_INIT, errno, "block signals", NULL, NULL);
    // Without a pid namespace, orphans still come to us rather than the host's init.
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_INIT, errno, "PR_SET_CHILD_SUBREAPER", NULL, NULL);
    pid_t init = getpid();
    pid_t pid = raw_fork();
    if (pid < 0)
        fail(c, BERTH_STAGE_INIT, errno, "fork", NULL, NULL);
    if (pid == 0) {
        become_main_child(c, init);
        return;
    }
    // /proc/1/exe is the host's berth binary: not dumpable, no one in the
    // container can open it through /proc (CVE-2019-5736).
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        kill(pid, SIGKILL);
        fail(c, BERTH_STAGE_INIT, errno, "PR_SET_DUMPABLE", NULL, NULL);
    }
    // Our copy of the socket would hide the grandchild's exec (EOF) from the
    // parent. close() releases the fd even when it reports an error.
    (void)close(c->sync);
    init_loop(pid);
}

// ---------------------------------------------------------------------------
// 17: exec.

static _Noreturn void exec_process(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    char *const no_environment[] = { NULL };
    char *const *envp = p->envp != NULL ? p->envp : no_environment;
    const char *file = p->path;
    if (file == NULL || file[0] == 0)
        fail(c, BERTH_STAGE_EXEC, ENOENT, "(no command)", NULL, NULL);
    if (text_has_slash(file)) {
        execve(file, p->argv, envp);
        fail(c, BERTH_STAGE_EXEC, errno, file, NULL, NULL);
    }
    // execvp's search: EACCES is remembered while later directories are tried.
    const char *search = p->search_path != NULL ? p->search_path : DEFAULT_SEARCH_PATH;
    bool denied = false;
    const char *dir = search;
    for (;;) {
        const char *end = dir;
        while (*end != 0 && *end != ':')
            end++;
        char candidate[PATH_MAX];
        struct text t;
        text_init(&t, candidate, sizeof candidate);
        bool fits = (end == dir ? text_add(&t, ".") : text_add_n(&t, dir, (size_t)(end - dir)))
            && text_add(&t, "/") && text_add(&t, file);
        if (fits) {
            execve(candidate, p->argv, envp);
            switch (errno) {
            case EACCES:
                denied = true;
                break;
            case ENOENT: case ENOTDIR: case ESTALE: case ENODEV: case ETIMEDOUT: case ENAMETOOLONG: case ELOOP:
                break;
            default:
                fail(c, BERTH_STAGE_EXEC, errno, candidate, NULL, NULL);
            }
        }
        if (*end == 0)
            break;
        dir = end + 1;
    }
    fail(c, BERTH_STAGE_EXEC, denied ? EACCES : ENOENT, file, NULL, NULL);
}

// ---------------------------------------------------------------------------
// The child, from clone to exec.

static _Noreturn void child_main(struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    reset_signals(c);
    wait_for_release(c);
    become_namespace_root(c);
    protect_process(c);
    enter_cgroup_namespace(c);

    mount_rootfs(c);
    mount_all(c);
    pivot_to_rootfs(c);

    set_hostname(c);
    set_up_network(c);
    create_cwd(c);
    mask_paths(c);
    make_paths_readonly(c);

    set_rlimits(c);
    if (!p->no_new_privs)
        load_seccomp(c); // needs CAP_SYS_ADMIN without no_new_privs
    drop_bounding_set(c);
    switch_ids(c);
    set_capabilities(c);

    enter_cwd(c);
    set_up_stdio(c);
    if (p->no_new_privs)
        restrict_privileges(c);
    if (p->init)
        run_init(c);
    exec_process(c);
}

// ---------------------------------------------------------------------------
// Join mode: the intermediate process.

/// The intermediate's message when the fork worked. 8 bytes: never taken for a
/// berth_launch_report (248 bytes, whose first field, the stage, is >= 1).
struct pid_record {
    int32_t tag;  // PID_RECORD_TAG
    int32_t pid;  // the container process, in the caller's pid namespace
};
#define PID_RECORD_TAG ((int32_t)-0x4a4f494e) // -"JOIN"

/// Runs in the process berth_launch cloned (no namespace flags); see the top
/// of this file. Signals stay blocked here: no handler of the parent's may run,
/// and the container process resets them all (reset_signals).
static _Noreturn void join_main(struct child *c)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        fail(c, BERTH_STAGE_JOIN_USERNS, errno, "PR_SET_PDEATHSIG", NULL, NULL);
    if (getppid() != c->parent)
        _exit(CHILD_FAILED);
    // The container process inherits our fds: it must not hold the parent's
    // end either (an EOF tells it that the parent is gone).
    if (close(c->parent_end) < 0)
        fail(c, BERTH_STAGE_JOIN_USERNS, errno, "close the parent's socket", NULL, NULL);
    c->parent_end = -1;

    if (setns(c->plan->userns_fd, CLONE_NEWUSER) < 0)
        fail(c, BERTH_STAGE_JOIN_USERNS, errno, "setns into the user namespace", NULL, NULL);
    // Also re-arms the parent-death signal, which a change of ids clears.
    become_userns_root(c, BERTH_STAGE_JOIN_USERNS);
    // Owned by the joined user namespace. The cgroup namespace waits for the
    // release, as in the clone of the other mode.
    int others = c->flags & ~CLONE_NEWCGROUP;
    if (others != 0 && unshare(others) < 0)
        fail(c, BERTH_STAGE_JOIN_USERNS, errno, "unshare namespaces", NULL, NULL);

    // CLONE_PARENT: the caller's thread is the parent, not us (we exit now).
    // A fork-like clone: it continues on a copy of this stack.
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
    if (pid < 0)
        fail(c, BERTH_STAGE_JOIN_USERNS, errno, "fork the container process", NULL, NULL);
    if (pid == 0)
        child_main(c);

    struct pid_record record = { .tag = PID_RECORD_TAG, .pid = pid };
    ssize_t n;
    do {
        n = send(c->sync, &record, sizeof record, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof record) {
        // The parent cannot learn its pid: it must not run.
        kill(pid, SIGKILL);
        _exit(CHILD_FAILED);
    }
    _exit(0);
}

// ---------------------------------------------------------------------------
// The parent's side.

/// /proc/sys/kernel/cap_last_cap, read once (the parent side only).
static int read_cap_last_cap(void)
{
    static int cached;
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value > 0)
        return value;
    value = CAP_LAST_CAP;
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[16];
        ssize_t n;
        do {
            n = read(fd, buf, sizeof buf - 1);
        } while (n < 0 && errno == EINTR);
        close(fd);
        if (n > 0) {
            int parsed = 0;
            for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
                parsed = parsed * 10 + (buf[i] - '0');
            if (parsed > 0)
                value = parsed;
        }
    }
    __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    return value;
}

/// clone3 with CLONE_PIDFD, fork-like (no stack); the raw clone on ENOSYS.
static pid_t clone_child(int flags, int *pidfd)
{
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } args = {
        .flags = (uint64_t)(unsigned int)flags | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || errno != ENOSYS)
        return (pid_t)pid;
    // Linux < 5.3: clone(2) takes CLONE_PIDFD since 5.2 (the fd goes to parent_tid).
    pid = syscall(SYS_clone, flags | CLONE_PIDFD | SIGCHLD, 0, pidfd, NULL, 0);
    if (pid >= 0 || errno != EINVAL)
        return (pid_t)pid;
    *pidfd = -1;
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
}

/// Join mode: peeks at the intermediate's one message (a pid record or a
/// report) without taking it. Returns its size, 0 on EOF, -1 with errno
/// (ECHILD: the intermediate exited and left nothing, while the container
/// process it may have forked still holds the socket).
static ssize_t peek_intermediate(int sync, int intermediate_fd, struct berth_launch_report *buf)
{
    bool exited = false;
    for (;;) {
        ssize_t n = recv(sync, buf, sizeof *buf, MSG_PEEK | MSG_DONTWAIT);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        if (exited) {
            errno = ECHILD;
            return -1;
        }
        if (intermediate_fd < 0) { // no pidfd (Linux < 5.3): trust the EOF
            n = recv(sync, buf, sizeof *buf, MSG_PEEK);
            if (n >= 0 || errno != EINTR)
                return n;
            continue;
        }
        // Its pidfd turns readable when it has exited: anything it sent is
        // queued by then, so one more look at the socket settles it.
        struct pollfd fds[2] = { { .fd = sync, .events = POLLIN }, { .fd = intermediate_fd, .events = POLLIN } };
        int r = poll(fds, 2, -1);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            exited = true;
    }
}

static void reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

/// Join mode, in the parent after the clone of the intermediate `pid`.
static pid_t finish_join(pid_t pid, int intermediate_fd, int sync, int *sync_fd, int *pidfd)
{
    struct berth_launch_report message;
    ssize_t n = peek_intermediate(sync, intermediate_fd, &message);
    if (n == (ssize_t)sizeof message) {
        // Its report: left for berth_launch_wait_exec; the caller reaps it.
        *sync_fd = sync;
        if (pidfd != NULL)
            *pidfd = intermediate_fd;
        else if (intermediate_fd >= 0)
            close(intermediate_fd);
        return pid;
    }
    int error = n < 0 ? errno : n == 0 ? ECHILD : EBADMSG;
    struct pid_record record;
    if (n == (ssize_t)sizeof record) {
        ssize_t taken;
        do {
            taken = recv(sync, &record, sizeof record, 0);
        } while (taken < 0 && errno == EINTR);
        if (taken == (ssize_t)sizeof record && record.tag == PID_RECORD_TAG && record.pid > 0) {
            reap(pid);
            if (intermediate_fd >= 0)
                close(intermediate_fd);
            *sync_fd = sync;
            if (pidfd != NULL) {
                // Our child, not reaped: the pid cannot have been reused.
                long fd = syscall(SYS_pidfd_open, record.pid, 0);
                *pidfd = fd >= 0 ? (int)fd : -1;
            }
            return record.pid;
        }
        error = taken < 0 ? errno : EBADMSG;
    }
    // Nothing usable: a container process it may have forked gets the EOF
    // instead of the release and exits.
    close(sync);
    kill(pid, SIGKILL); // not reaped yet: still ours
    reap(pid);
    if (intermediate_fd >= 0)
        close(intermediate_fd);
    errno = error;
    return -1;
}

pid_t berth_launch(const struct berth_launch_plan *plan, int *sync_fd, int *pidfd)
{
    if (plan == NULL || sync_fd == NULL) {
        errno = EINVAL;
        return -1;
    }
    *sync_fd = -1;
    if (pidfd != NULL)
        *pidfd = -1;
    int flags = plan->clone_flags & ~CSIGNAL;
    if (flags & ~NAMESPACE_FLAGS) {
        errno = EINVAL;
        return -1;
    }
    if (plan->join_userns && (flags & CLONE_NEWUSER)) {
        errno = EINVAL;
        return -1;
    }
    if (plan->join_userns && plan->userns_fd < 0) {
        errno = EBADF;
        return -1;
    }
    int sockets[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) < 0)
        return -1;
    struct child c = {
        .plan = plan,
        .flags = flags,
        .sync = sockets[1],
        .parent_end = sockets[0],
        .cap_last_cap = plan->cap_last_cap > 0 ? plan->cap_last_cap : read_cap_last_cap(),
        .parent = getpid(),
        .root = -1,
        .cwd = -1,
    };

    // No handler of this process may run in the child between clone and the
    // reset of the dispositions: block everything around the clone. The cgroup
    // namespace is made after the release (see enter_cgroup_namespace).
    sigset_t all, saved;
    sigfillset(&all);
    int mask_error = pthread_sigmask(SIG_SETMASK, &all, &saved);
    if (mask_error != 0) {
        close(sockets[0]);
        close(sockets[1]);
        errno = mask_error;
        return -1;
    }
    int fd = -1;
    pid_t pid = clone_child(plan->join_userns ? 0 : flags & ~CLONE_NEWCGROUP, &fd);
    if (pid == 0) {
        if (plan->join_userns)
            join_main(&c);
        child_main(&c);
    }
    int error = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(sockets[1]);
    if (pid < 0) {
        close(sockets[0]);
        errno = error;
        return -1;
    }
    if (plan->join_userns)
        return finish_join(pid, fd, sockets[0], sync_fd, pidfd);
    *sync_fd = sockets[0];
    if (pidfd != NULL)
        *pidfd = fd;
    else if (fd >= 0)
        close(fd);
    return pid;
}

int berth_launch_release(int sync_fd)
{
    char byte = 1;
    ssize_t n;
    do {
        n = send(sync_fd, &byte, 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n == 1)
        return 0;
    // The child is gone already: berth_launch_wait_exec returns its report.
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
        return 0;
    if (n >= 0)
        errno = EIO;
    return -1;
}

int berth_launch_wait_exec(int sync_fd, struct berth_launch_report *report)
{
    struct berth_launch_report received;
    ssize_t n;
    do {
        n = recv(sync_fd, &received, sizeof received, 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0;
    if (n < 0)
        return errno == ECONNRESET ? 0 : -1; // ECONNRESET: it died with the release byte unread
    if ((size_t)n != sizeof received) {
        errno = EBADMSG;
        return -1;
    }
    received.detail[sizeof received.detail - 1] = 0;
    if (report != NULL)
        *report = received;
    return 1;
}
