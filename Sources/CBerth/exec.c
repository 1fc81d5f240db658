// `berth exec` (include/exec.h): a process in a running container.
//
//   berth ──clone──> intermediate ──setns: user (then its root), cgroup, ipc,
//     ^                  │               uts, net, pid, mnt
//     │                  └──fork(CLONE_PARENT)──> exec'd process (berth's child,
//     │                                            in the container's pid ns)
//     └── PROTO_PID {pid} ─┘ then exit 0   (or PROTO_FAILURE + exit 127)
//
// exec -d puts one more process between: the CLONE_PARENT child forks the
// exec'd process and exits, so the container's pid 1 becomes its parent (a
// process orphaned inside a pid namespace goes to that namespace's init) and
// nothing of berth's stays behind. The exec'd process then applies the
// container's settings as child.c's steps 8-17 do (rlimits, seccomp, bounding
// set, ids, caps, cwd, stdio, no_new_privs, exec); mounts, hostname and the
// rest are the running container's already.
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "clone.h"
#include "protocol.h"
#include "raw_syscalls.h"

struct exec_child {
    struct child c;
    const struct berth_exec_plan *exec;
};

static const char unknown_namespace[] = "unknown";

static const char *namespace_name(int type)
{
    switch (type) {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWNS: return "mount";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWNET: return "network";
    case CLONE_NEWCGROUP: return "cgroup";
    default: return unknown_namespace;
    }
}

/// The exec'd process, from the fork to execve.
static _Noreturn void exec_process_main(struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    c->no_parent_death = true;
    child_reset_signals(c);
    child_move_sync_socket(c);
    child_protect_process(c);
    child_set_personality(c);
    security_set_rlimits(c);
    if (!p->no_new_privs)
        security_load_seccomp(c); // needs CAP_SYS_ADMIN without no_new_privs
    security_drop_bounding_set(c);
    security_switch_ids(c);
    security_set_capabilities(c);
    umask(p->umask);
    // As the container's user, so its search permissions apply; setns(mnt)
    // left the working directory at the container's root.
    if (p->cwd != NULL && p->cwd[0] != 0 && chdir(p->cwd) < 0)
        child_fail(c, BERTH_STAGE_CWD, errno, p->cwd);
    child_set_up_stdio(c);
    if (p->no_new_privs)
        security_restrict_privileges(c);
    child_exec_process(c);
}

/// exec -d: forks the process and leaves it to the container's pid 1.
static _Noreturn void hand_over_to_container_init(struct child *c)
{
    pid_t pid = raw_fork(0);
    if (pid < 0)
        child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "fork the detached process");
    if (pid == 0)
        exec_process_main(c);
    _exit(0);
}

/// "0" written to cgroup.procs moves the writer (v1 and v2 alike).
static void join_cgroup(struct child *c, const struct berth_exec_plan *e)
{
    for (size_t i = 0; i < e->cgroup_fd_count; i++)
        if (write(e->cgroup_fds[i], "0", 1) != 1)
            child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "join the container's cgroup");
}

static void join_namespaces(struct child *c, const struct berth_exec_plan *e)
{
    for (size_t i = 0; i < e->namespace_count; i++) {
        const struct berth_exec_namespace *ns = &e->namespaces[i];
        if (setns(ns->fd, ns->type) < 0)
            child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "setns into the container's ", namespace_name(ns->type),
                       " namespace");
        // Root there, with every capability of it, to join the namespaces it owns.
        if (ns->type == CLONE_NEWUSER)
            security_become_userns_root(c, BERTH_STAGE_JOIN_NAMESPACES);
    }
}

/// Signals stay blocked here, as in intermediate.c.
static void exec_intermediate(void *arg)
{
    struct exec_child *x = arg;
    struct child *c = &x->c;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "PR_SET_PDEATHSIG");
    if (getppid() != c->parent)
        _exit(CHILD_FAILED);
    if (close(c->parent_end) < 0)
        child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "close the parent's socket");
    c->parent_end = -1;
    join_cgroup(c, x->exec);
    join_namespaces(c, x->exec);

    pid_t pid = raw_fork(CLONE_PARENT);
    if (pid < 0)
        child_fail(c, BERTH_STAGE_JOIN_NAMESPACES, errno, "fork into the container");
    if (pid == 0) {
        if (x->exec->detach)
            hand_over_to_container_init(c);
        exec_process_main(c);
    }
    if (proto_report_pid(c->sync, pid) < 0) {
        kill(pid, SIGKILL);
        _exit(CHILD_FAILED);
    }
    _exit(0);
}

static int check_plan(const struct berth_exec_plan *plan)
{
    if (plan->process == NULL || (plan->namespaces == NULL && plan->namespace_count > 0))
        return EINVAL;
    for (size_t i = 0; i < plan->namespace_count; i++) {
        const struct berth_exec_namespace *ns = &plan->namespaces[i];
        if (ns->fd < 0)
            return EBADF;
        if (namespace_name(ns->type) == unknown_namespace)
            return EINVAL;
        // Joined after another, a user namespace would take away the rights to it.
        if (ns->type == CLONE_NEWUSER && i > 0)
            return EINVAL;
    }
    return 0;
}

pid_t berth_exec(const struct berth_exec_plan *plan, int *sync_fd, int *pidfd)
{
    if (plan == NULL || sync_fd == NULL || pidfd == NULL) {
        errno = EINVAL;
        return -1;
    }
    *sync_fd = -1;
    *pidfd = -1;
    int invalid = check_plan(plan);
    if (invalid != 0) {
        errno = invalid;
        return -1;
    }
    int ends[2];
    if (proto_open_channel(ends) < 0)
        return -1;
    struct exec_child x = {
        .c = {
            .plan = plan->process,
            .flags = 0,
            .sync = ends[1],
            .parent_end = ends[0],
            .cap_last_cap = plan->process->cap_last_cap > 0 ? plan->process->cap_last_cap : parent_read_cap_last_cap(),
            .parent = getpid(),
            .root = -1,
            .cwd = -1,
        },
        .exec = plan,
    };
    int fd = -1;
    pid_t pid = clone_process(0, &fd, ends, exec_intermediate, &x);
    if (pid < 0)
        return -1;
    return parent_finish_intermediate(pid, fd, ends[0], sync_fd, pidfd);
}
