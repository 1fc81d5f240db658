// The container process, from clone to exec (design.md §2, launch.h): the
// dance of the whole child path, and this file's part of it.
//
//   berth (parent.c)                        container process (this file)
//   ------------------------------------    ---------------------------------
//   flatten the spec: berth_launch_plan
//   socketpair(SEQPACKET|CLOEXEC)
//   block signals, clone3(CLONE_NEW*,  ──>  1  reset signals
//     CLONE_PIDFD); join mode: clone        2  PDEATHSIG, wait for the release
//     intermediate.c, which forks us                     :
//     and sends PROTO_PID                                :
//   id maps (no barrier: cgroup)                         :
//   proto_release     ── PROTO_RELEASE ──>  3  namespace root, fds, cgroup mount
//                                              points (no barrier: join, cgroup ns)
//                                           4  rootfs.c: rootfs, mounts
//                                           5  pivot_root
//                                           6  hostname, lo, cwd created
//                                           7  masks, read-only paths
//                                           8-12 security.c: rlimits, seccomp,
//                                                bounding set, ids, caps
//                                           13-15 cwd, stdio, no_new_privs
//                                           16 init.c (--init): pid 1 forks,
//                                                reaps and forwards
//   barrier only: cgroup made, pasta starts
//   proto_wait_barrier <── PROTO_AT_BARRIER  7b after the read-only paths
//   pasta ready: proto_pass_barrier ──>      (PROTO_PASS_BARRIER) join the
//                                            cgroup, cgroup ns, go on
//   proto_wait_exec:  EOF (exec'd)    <──   17 execve (the socket is CLOEXEC)
//        PROTO_FAILURE {stage, errno, <──   any failing step; exit 127
//                       detail}
//
// The child runs raw system calls only: no malloc, no stdio, no locks, _exit
// never exit, ids changed without glibc's thread broadcast (raw_syscalls.h).
//
// The order of the child's steps, and why:
//   1. reset signal dispositions to SIG_DFL, unblock signals (the parent
//      blocked all of them around the clone);
//   2. PR_SET_PDEATHSIG SIGKILL (+ getppid check without a pid namespace),
//      close the parent's socket end, move the sync fd above the preserved
//      fds, block until PROTO_RELEASE (EOF: the parent is gone: exit); moved
//      off the parent's CPU at the clone (plan->off_parent_cpu), take back the
//      parent's CPU mask;
//   3. user namespace: become its root (setresgid/setresuid 0, setgroups 0)
//      so that what the child creates belongs to a mapped id; then not
//      dumpable (with a barrier: at 7b), every fd above 2 (and above the preserved ones) close-on-exec,
//      v1: each cgroup hierarchy's mount point held open (its tasks file is
//      written after pivot_root at 7b); without a barrier the cgroup (made
//      by the parent before the release) is joined now and
//      unshare(CLONE_NEWCGROUP) follows (a cgroup namespace made at clone
//      time would be rooted at berth's own cgroup); --network container:|ns:
//      joins that network namespace (setns) first;
//   4. "/" recursively private; overlay (or self-bind) on the rootfs; the plan's
//      mounts in order, every target resolved and created beneath the rootfs
//      with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) and mounted through
//      /proc/self/fd/N of an O_PATH fd (no symlink in the image, planted or
//      raced, can send a mount to a host path); with a tty, the terminal
//      bound on /dev/console;
//   5. pivot_root(".", ".") + umount2(".", MNT_DETACH) + chdir("/");
//   6. hostname, lo up, net.ipv4.ping_group_range (before /proc/sys goes
//      read-only); the working directory is created (mkdir -p beneath the
//      root) and held open as an O_PATH fd (before a read-only rootfs); the
//      --passwd account lines appended (accounts.c, also before it);
//   7. masked paths, read-only paths, read-only rootfs;
//  7b. plan->barrier: tell the parent, wait until it has made the cgroup and
//      pasta is ready (both started at the release, beside steps 3-7), join
//      the cgroup (v1: "0" into each tasks file; v2: the parent moved us),
//      unshare(CLONE_NEWCGROUP), then not dumpable;
//   8. personality (--personality; before seccomp), rlimits (raising a hard
//      limit needs CAP_SYS_RESOURCE: before the caps go);
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
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol.h"
#include "raw_syscalls.h"
#include "text.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ---------------------------------------------------------------------------
// Reporting.

_Noreturn void child_fail_parts(const struct child *c, int stage, int error, const char *const parts[], int count)
{
    char detail[PROTO_DETAIL_SIZE];
    struct text t;
    text_init(&t, detail, sizeof detail);
    for (int i = 0; i < count; i++)
        text_add(&t, parts[i]);
    proto_report_failure(c->sync, stage, error, detail);
    // Nothing more to do if the parent is gone: the exit status still says 127.
    _exit(CHILD_FAILED);
}

_Noreturn void child_fail_number(const struct child *c, int stage, int error, const char *what, unsigned long number)
{
    char buf[24];
    struct text t;
    text_init(&t, buf, sizeof buf);
    text_add_number(&t, number);
    child_fail(c, stage, error, what, buf);
}

void child_write_value_parts(const struct child *c, int fd, const char *value, int stage, const char *const parts[], int count)
{
    size_t len = text_length(value);
    ssize_t n;
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != len)
        child_fail_parts(c, stage, n < 0 ? errno : EIO, parts, count);
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

void child_rearm_parent_death(const struct child *c, int stage)
{
    // An exec'd process outlives the berth that started it (exec -d, or a
    // killed exec): no parent-death signal may follow it across exec.
    if (c->no_parent_death)
        return;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        child_fail(c, stage, errno, "PR_SET_PDEATHSIG");
    check_parent_alive(c);
}

// ---------------------------------------------------------------------------
// 1-3: start-up, release, namespaces.

void child_reset_signals(const struct child *c)
{
    int sig = raw_reset_signal_dispositions();
    if (sig != 0)
        child_fail_number(c, BERTH_STAGE_SYNC, errno, "reset signal ", (unsigned long)sig);
    if (raw_set_signal_mask(0) < 0)
        child_fail(c, BERTH_STAGE_SYNC, errno, "unblock signals");
}

static int first_unpreserved_fd(const struct berth_launch_plan *plan)
{
    int keep = plan->preserve_fds > 0 ? plan->preserve_fds : 0;
    return 3 + keep;
}

void child_move_sync_socket(struct child *c)
{
    // Keep the socket out of 0-2 and of the fds handed to the container.
    int first = first_unpreserved_fd(c->plan);
    if (c->sync < first) {
        int moved = fcntl(c->sync, F_DUPFD_CLOEXEC, first);
        if (moved < 0)
            child_fail(c, BERTH_STAGE_SYNC, errno, "move the sync socket");
        close(c->sync);
        c->sync = moved;
    }
}

static void wait_for_release(struct child *c)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_SYNC, errno, "PR_SET_PDEATHSIG");
    // In a new pid namespace getppid() is 0; the EOF on the socket below still
    // catches a parent that died before the line above.
    if (!(c->flags & CLONE_NEWPID) && !c->plan->join_pidns && getppid() != c->parent)
        _exit(CHILD_FAILED);
    // -1: closed already by the intermediate of join mode.
    if (c->parent_end >= 0 && close(c->parent_end) < 0)
        child_fail(c, BERTH_STAGE_SYNC, errno, "close the parent's socket");
    c->parent_end = -1;

    child_move_sync_socket(c);
    if (!proto_wait_release(c->sync))
        _exit(CHILD_FAILED); // the parent went away or gave up: nobody to tell
    // Moved off the parent's CPU at the clone (plan->off_parent_cpu): the mask
    // the container would have had, before anything of it runs.
    if (c->restore_affinity && sched_setaffinity(0, sizeof c->affinity, &c->affinity) < 0)
        child_fail(c, BERTH_STAGE_SYNC, errno, "restore the CPU affinity");
}

/// In a new user namespace the child still has the host's ids (unmapped:
/// files it created would fail with EOVERFLOW): become the namespace's root.
/// (A joined one was entered by the intermediate, which did this already.)
static void become_namespace_root(const struct child *c)
{
    if (!(c->flags & CLONE_NEWUSER))
        return;
    security_become_userns_root(c, BERTH_STAGE_IDS);
}

/// Not dumpable from now to exec (exec resets it): processes in the container
/// cannot open /proc/PID/{exe,mem,fd} of a copy of berth. Only after the
/// release, so that the parent could write the id maps.
static void make_undumpable(const struct child *c)
{
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_SYNC, errno, "PR_SET_DUMPABLE");
}

void child_protect_process(const struct child *c)
{
    // With a barrier, only once past it: pasta, started at the release, opens
    // /proc/PID/ns/{user,net}, and the parent writes /proc/PID/oom_score_adj,
    // which a process that is not dumpable keeps to root. Nothing of the
    // container runs before the barrier either.
    if (!c->plan->barrier)
        make_undumpable(c);

    // No fd of berth's reaches the container: all close on exec except 0-2
    // and the preserved ones (which lose close-on-exec).
    int first = first_unpreserved_fd(c->plan);
    if (syscall(SYS_close_range, (unsigned int)first, ~0U, CLOSE_RANGE_CLOEXEC) < 0
        && errno != ENOSYS && errno != EINVAL)
        child_fail(c, BERTH_STAGE_STDIO, errno, "close_range");
    for (int fd = 3; fd < first; fd++)
        if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
            child_fail_number(c, BERTH_STAGE_STDIO, errno, "preserve fd ", (unsigned long)fd);
}

/// cgroup v1: holds each hierarchy's mount point, so that the tasks files
/// below it can still be opened after pivot_root (join_cgroup).
static void open_cgroup_mounts(struct child *c)
{
    if (c->plan->cgroup_task_count > BERTH_CGROUP_HIERARCHIES)
        child_fail(c, BERTH_STAGE_NAMESPACES, E2BIG, "join the container's cgroup: too many hierarchies");
    for (size_t i = 0; i < c->plan->cgroup_task_count; i++) {
        c->cgroup_mounts[i] = open(c->plan->cgroup_mounts[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->cgroup_mounts[i] < 0)
            child_fail(c, BERTH_STAGE_NAMESPACES, errno, "join the container's cgroup: ", c->plan->cgroup_mounts[i]);
    }
}

/// Moves the process into the container's cgroup (made by the parent by now),
/// then into a cgroup namespace of its own when asked: one made before the
/// move would be rooted at berth's cgroup.
static void join_cgroup(struct child *c)
{
    for (size_t i = 0; i < c->plan->cgroup_task_count; i++) {
        const char *tasks = c->plan->cgroup_tasks[i];
        int fd = openat(c->cgroup_mounts[i], tasks, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            child_fail(c, BERTH_STAGE_NAMESPACES, errno, "join the container's cgroup: ", c->plan->cgroup_mounts[i], "/", tasks);
        close(fd);
        close(c->cgroup_mounts[i]);
        c->cgroup_mounts[i] = -1;
    }
    if ((c->flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        child_fail(c, BERTH_STAGE_NAMESPACES, errno, "unshare cgroup namespace");
}

/// --network container:|ns: (launch.h join_netns): the namespace exists already.
/// Joined as the namespace's root, before anything is mounted, so /sys is that
/// namespace's sysfs.
static void join_network_namespace(const struct child *c)
{
    if (c->plan->join_netns && setns(c->plan->netns_fd, CLONE_NEWNET) < 0)
        child_fail(c, BERTH_STAGE_NETWORK, errno, "join the network namespace");
}

// ---------------------------------------------------------------------------
// 6: hostname and network.

static void set_hostname(const struct child *c)
{
    const char *name = c->plan->hostname;
    if (name == NULL)
        return;
    if (!(c->flags & CLONE_NEWUTS)) // would rename the host
        child_fail(c, BERTH_STAGE_HOSTNAME, EINVAL, "hostname without a UTS namespace");
    if (sethostname(name, text_length(name)) < 0)
        child_fail(c, BERTH_STAGE_HOSTNAME, errno, "sethostname ", name);
}

static void bring_loopback_up(const struct child *c)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        child_fail(c, BERTH_STAGE_NETWORK, errno, "socket for lo");
    struct ifreq request = { 0 };
    request.ifr_name[0] = 'l';
    request.ifr_name[1] = 'o';
    if (ioctl(sock, SIOCGIFFLAGS, &request) < 0)
        child_fail(c, BERTH_STAGE_NETWORK, errno, "SIOCGIFFLAGS lo");
    if (!(request.ifr_flags & IFF_UP)) {
        request.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &request) < 0)
            child_fail(c, BERTH_STAGE_NETWORK, errno, "bring lo up");
    }
    close(sock);
}

static void write_ping_group_range(const struct child *c)
{
    static const char path[] = "/proc/sys/net/ipv4/ping_group_range";
    const char *value = c->plan->ping_group_range;
    if (!(c->flags & CLONE_NEWNET)) // would change the host's
        child_fail(c, BERTH_STAGE_NETWORK, EINVAL, "ping_group_range without a network namespace");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        child_fail(c, BERTH_STAGE_NETWORK, errno, path);
    child_write_value(c, fd, value, BERTH_STAGE_NETWORK, path);
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

// ---------------------------------------------------------------------------
// 7b: the barrier (plan->barrier).

/// The parent made the container's cgroup and started pasta at the release;
/// both ran beside steps 3-7. Before anything the container runs, it must be in
/// its cgroup and its interface must have its addresses and routes: wait here
/// for the parent to say so (before seccomp, which a custom profile could make
/// deny the socket calls), then join the cgroup.
static void wait_at_barrier(struct child *c)
{
    if (!c->plan->barrier)
        return;
    if (!proto_wait_at_barrier(c->sync))
        _exit(CHILD_FAILED); // the parent went away or gave up: nobody to tell
    join_cgroup(c);
    make_undumpable(c); // pasta has joined the namespaces (child_protect_process)
}

// ---------------------------------------------------------------------------
// 13-14: umask, working directory, stdio.

/// --personality: before seccomp, whose default profile allows only the
/// common execution domains.
void child_set_personality(const struct child *c)
{
    if (c->plan->set_personality && personality(c->plan->personality) < 0)
        child_fail_number(c, BERTH_STAGE_PERSONALITY, errno, "persona ", c->plan->personality);
}

static void enter_cwd(struct child *c)
{
    umask(c->plan->umask);
    if (c->cwd < 0)
        return;
    if (fchdir(c->cwd) < 0)
        child_fail(c, BERTH_STAGE_CWD, errno, c->plan->cwd);
    close(c->cwd);
    c->cwd = -1;
}

void child_set_up_stdio(const struct child *c)
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
                child_fail(c, BERTH_STAGE_STDIO, errno, "dup ", names[i]);
            source[i] = temporary[i];
        }
    }
    for (int i = 0; i < 3; i++) {
        if (source[i] < 0)
            continue;
        int r = source[i] == i ? fcntl(i, F_SETFD, 0) : dup3(source[i], i, 0);
        if (r < 0)
            child_fail(c, BERTH_STAGE_STDIO, errno, "dup ", names[i]);
    }
    for (int i = 0; i < 3; i++)
        if (temporary[i] >= 0)
            close(temporary[i]);
    if (p->tty) {
        if (setsid() < 0)
            child_fail(c, BERTH_STAGE_STDIO, errno, "setsid");
        if (ioctl(0, TIOCSCTTY, 0) < 0)
            child_fail(c, BERTH_STAGE_STDIO, errno, "TIOCSCTTY");
    }
}

// ---------------------------------------------------------------------------
// 17: exec.

_Noreturn void child_exec_process(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    char *const no_environment[] = { NULL };
    char *const *envp = p->envp != NULL ? p->envp : no_environment;
    const char *file = p->path;
    if (file == NULL || file[0] == 0)
        child_fail(c, BERTH_STAGE_EXEC, ENOENT, "(no command)");
    if (text_has_slash(file)) {
        execve(file, p->argv, envp);
        child_fail(c, BERTH_STAGE_EXEC, errno, file);
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
                child_fail(c, BERTH_STAGE_EXEC, errno, candidate);
            }
        }
        if (*end == 0)
            break;
        dir = end + 1;
    }
    child_fail(c, BERTH_STAGE_EXEC, denied ? EACCES : ENOENT, file);
}

// ---------------------------------------------------------------------------
// The child, from clone to exec.

_Noreturn void child_main(struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    child_reset_signals(c);
    wait_for_release(c);
    become_namespace_root(c);
    join_network_namespace(c);
    ns_join_ipc_uts_namespaces(c);
    child_protect_process(c);
    open_cgroup_mounts(c);
    if (!p->barrier)
        join_cgroup(c);

    // What the container sees is made with runc's umask 022, whatever berth's own (a
    // 077 made mount targets 0700, unsearchable for a non-root user); the process's
    // own umask (--umask) is set at step 13.
    umask(022);
    rootfs_mount(c);
    rootfs_mount_all(c);
    ns_make_devices(c);
    rootfs_pivot(c);

    set_hostname(c);
    set_up_network(c);
    ns_open_sysctls(c);
    rootfs_create_cwd(c);
    accounts_append(c);
    rootfs_mask_paths(c);
    rootfs_make_paths_readonly(c);
    wait_at_barrier(c);
    ns_write_sysctls(c);

    child_set_personality(c);
    security_set_rlimits(c);
    if (!p->no_new_privs)
        security_load_seccomp(c); // needs CAP_SYS_ADMIN without no_new_privs
    security_drop_bounding_set(c);
    security_switch_ids(c);
    security_set_capabilities(c);

    enter_cwd(c);
    child_set_up_stdio(c);
    if (p->no_new_privs)
        security_restrict_privileges(c);
    if (p->init)
        init_run(c);
    child_exec_process(c);
}
