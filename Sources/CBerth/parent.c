// The parent's side of the child path (launch.h): validate the plan, open the
// channel, clone the container process (or join mode's intermediate), release
// it, and wait for its exec or its failure report. Runs in berth, a normal
// multi-threaded process: the child side is child.c.
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clone.h"
#include "protocol.h"
#include "raw_syscalls.h"
#include "text.h"

// The public report carries the record's detail whole.
_Static_assert(sizeof(((struct berth_launch_report *)0)->detail) == PROTO_DETAIL_SIZE,
               "berth_launch_report.detail and PROTO_DETAIL_SIZE differ");

#define NAMESPACE_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWUSER)

/// /proc/sys/kernel/cap_last_cap, read once per process.
int parent_read_cap_last_cap(void)
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

/// What clone_process runs in the new process: the intermediate in join mode,
/// else the container process itself.
/// Join mode's intermediate: a user namespace to join, or a pid namespace
/// (which only the children of a process that entered it are in).
static bool uses_intermediate(const struct berth_launch_plan *plan)
{
    return plan->join_userns || plan->join_pidns;
}

static void run_clone(void *arg)
{
    struct child *c = arg;
    if (uses_intermediate(c->plan))
        intermediate_main(c);
    child_main(c);
}

/// plan->off_parent_cpu: the new child, not yet run, to any CPU of `mask` but
/// the one this thread is on. Best effort: where it stays, it only starts later.
static void move_off_own_cpu(pid_t pid, const cpu_set_t *mask)
{
    int own = sched_getcpu();
    if (own < 0 || own >= CPU_SETSIZE || !CPU_ISSET(own, mask))
        return;
    cpu_set_t others = *mask;
    CPU_CLR(own, &others);
    (void)sched_setaffinity(pid, sizeof others, &others);
}

static void reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

static void close_if_open(int fd)
{
    if (fd >= 0)
        close(fd);
}

/// Join mode, in the parent after the clone of the intermediate `pid`: waits
/// for its PROTO_PID and returns the container process's pid instead.
pid_t parent_finish_intermediate(pid_t pid, int intermediate_fd, int sync, int *sync_fd, int *pidfd)
{
    pid_t container = -1;
    int r = proto_wait_pid(sync, intermediate_fd, &container);
    if (r == 0) {
        // Its failure report stays queued for berth_launch_wait_exec; the
        // caller reaps the intermediate (exit 127) as it would the container.
        *sync_fd = sync;
        if (pidfd != NULL)
            *pidfd = intermediate_fd;
        else
            close_if_open(intermediate_fd);
        return pid;
    }
    if (r == 1) {
        reap(pid);
        close_if_open(intermediate_fd);
        *sync_fd = sync;
        if (pidfd != NULL) {
            // Our child (CLONE_PARENT), not reaped: the pid cannot have been reused.
            long fd = syscall(SYS_pidfd_open, container, 0);
            *pidfd = fd >= 0 ? (int)fd : -1;
        }
        return container;
    }
    // Nothing usable: a container process it may have forked gets the EOF
    // instead of the release and exits.
    int error = errno;
    close(sync);
    kill(pid, SIGKILL); // not reaped yet: still ours
    reap(pid);
    close_if_open(intermediate_fd);
    errno = error;
    return -1;
}

static int check_plan(const struct berth_launch_plan *plan, int flags)
{
    if (flags & ~NAMESPACE_FLAGS)
        return EINVAL;
    if (plan->join_userns && (flags & CLONE_NEWUSER) && (plan->nested_uid_map == NULL || plan->nested_gid_map == NULL))
        return EINVAL;
    if (plan->join_userns && plan->userns_fd < 0)
        return EBADF;
    if (plan->join_pidns && (flags & CLONE_NEWPID))
        return EINVAL;
    if (plan->join_pidns && plan->pidns_fd < 0)
        return EBADF;
    return 0;
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
    int invalid = check_plan(plan, flags);
    if (invalid != 0) {
        errno = invalid;
        return -1;
    }
    int ends[2];
    if (proto_open_channel(ends) < 0)
        return -1;
    struct child c = {
        .plan = plan,
        .flags = flags,
        .sync = ends[1],
        .parent_end = ends[0],
        .cap_last_cap = plan->cap_last_cap > 0 ? plan->cap_last_cap : parent_read_cap_last_cap(),
        .parent = getpid(),
        .root = -1,
        .cwd = -1,
    };
    // The cgroup namespace is made after the release (child.c, step 3); the
    // intermediate of join mode takes no namespace flags (it setns()es first).
    int clone_flags = uses_intermediate(plan) ? 0 : flags & ~CLONE_NEWCGROUP;
    c.restore_affinity = plan->off_parent_cpu && !uses_intermediate(plan)
        && sched_getaffinity(0, sizeof c.affinity, &c.affinity) == 0 && CPU_COUNT(&c.affinity) > 1;
    int fd = -1;
    pid_t pid = clone_process(clone_flags, &fd, ends, run_clone, &c);
    if (pid < 0)
        return -1;
    if (uses_intermediate(plan))
        return parent_finish_intermediate(pid, fd, ends[0], sync_fd, pidfd);
    if (c.restore_affinity)
        move_off_own_cpu(pid, &c.affinity);
    *sync_fd = ends[0];
    if (pidfd != NULL)
        *pidfd = fd;
    else
        close_if_open(fd);
    return pid;
}

int berth_launch_release(int sync_fd)
{
    return proto_release(sync_fd);
}

int berth_launch_wait_barrier(int sync_fd)
{
    return proto_wait_barrier(sync_fd);
}

int berth_launch_pass_barrier(int sync_fd)
{
    return proto_pass_barrier(sync_fd);
}

int berth_launch_wait_exec(int sync_fd, struct berth_launch_report *report)
{
    struct proto_record failure;
    int r = proto_wait_exec(sync_fd, &failure);
    if (r != 1)
        return r;
    if (report != NULL) {
        *report = (struct berth_launch_report){ .stage = failure.stage, .error = failure.error };
        struct text t;
        text_init(&t, report->detail, sizeof report->detail);
        text_add(&t, failure.detail);
    }
    return 1;
}
