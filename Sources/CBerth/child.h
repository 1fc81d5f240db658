// What the roles of the child path share (child.c has the diagram of the
// whole dance): the child's state, failure reporting, and each role's entry
// points. Everything declared here runs after clone: raw system calls only,
// no malloc, no stdio, _exit never exit.
#ifndef BERTH_CHILD_H
#define BERTH_CHILD_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "launch.h"

/// The exit status of a child that reported a failure (or found its parent gone).
#define CHILD_FAILED 127

/// What the child carries besides the plan (its own copy of the parent's memory).
struct child {
    const struct berth_launch_plan *plan;
    int flags;        // plan->clone_flags without the exit signal
    int sync;         // the child's end of the socketpair
    int parent_end;   // the parent's end: closed first thing (-1 once closed)
    int cap_last_cap;
    pid_t parent;     // getpid() of the parent, for the getppid check
    int root;         // O_PATH fd of the container's root
    int cwd;          // O_PATH fd of the working directory, or -1
    /// O_PATH fds of plan->cgroup_mounts, open from the release to the join.
    int cgroup_mounts[BERTH_CGROUP_HIERARCHIES];
    /// plan->off_parent_cpu: the parent's CPU mask at the clone, which the
    /// child takes back after the release (restore_affinity).
    bool restore_affinity;
    cpu_set_t affinity;
    /// exec.c: the process must survive its parent, so PR_SET_PDEATHSIG is
    /// never armed (child_rearm_parent_death does nothing).
    bool no_parent_death;
};

// --- failure reporting (child.c) --------------------------------------------

/// Reports {stage, error, the parts concatenated} to the parent and exits
/// CHILD_FAILED. NULL parts are skipped.
_Noreturn void child_fail_parts(const struct child *c, int stage, int error, const char *const parts[], int count);
#define child_fail(c, stage, error, ...)                                                \
    child_fail_parts((c), (stage), (error), (const char *const[]){ __VA_ARGS__ },       \
                     (int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)))
/// Reports "<what><number>" (a signal, an fd, a uid, a cap).
_Noreturn void child_fail_number(const struct child *c, int stage, int error, const char *what, unsigned long number);
/// Writes `value` whole to `fd` (a /proc file), retrying EINTR; a failed or short
/// write is reported at `stage` with the parts naming what was written.
void child_write_value_parts(const struct child *c, int fd, const char *value, int stage, const char *const parts[], int count);
#define child_write_value(c, fd, value, stage, ...)                                       \
    child_write_value_parts((c), (fd), (value), (stage), (const char *const[]){ __VA_ARGS__ }, \
                            (int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)))

/// The parent-death signal is cleared by a change of the effective ids: arms it
/// again and exits if the parent is already gone.
void child_rearm_parent_death(const struct child *c, int stage);

// --- the roles ----------------------------------------------------------------

/// child.c: the container process from clone to exec.
_Noreturn void child_main(struct child *c);

/// child.c, steps shared with exec.c: signals back to default and unblocked;
/// the sync socket moved above 0-2 and the preserved fds; not dumpable and
/// every other fd close-on-exec; personality; stdio (and the controlling
/// terminal); execve with the PATH search.
void child_reset_signals(const struct child *c);
void child_move_sync_socket(struct child *c);
void child_protect_process(const struct child *c);
void child_set_personality(const struct child *c);
void child_set_up_stdio(const struct child *c);
_Noreturn void child_exec_process(const struct child *c);

/// parent.c: the parent's side after the clone of an intermediate (join mode,
/// exec): waits for its PROTO_PID and returns the pid it reports, reaping the
/// intermediate; on its failure report returns the intermediate's pid.
pid_t parent_finish_intermediate(pid_t pid, int intermediate_fd, int sync, int *sync_fd, int *pidfd);
/// /proc/sys/kernel/cap_last_cap, read once per process.
int parent_read_cap_last_cap(void);

/// intermediate.c: join mode's first clone (setns, unshare, fork, report the pid).
_Noreturn void intermediate_main(struct child *c);

/// rootfs.c: steps 4, 5 and 7 of the dance.
void rootfs_mount(struct child *c);
void rootfs_mount_all(const struct child *c);
void rootfs_pivot(struct child *c);
void rootfs_mask_paths(const struct child *c);
void rootfs_make_paths_readonly(const struct child *c);
/// mkdir -p of plan->cwd beneath the root into c->cwd (an O_PATH fd).
void rootfs_create_cwd(struct child *c);

/// accounts.c: plan->passwd_lines and group_lines appended (--passwd).
void accounts_append(const struct child *c);

/// security.c: rlimits, seccomp, capabilities and ids.
void security_become_userns_root(const struct child *c, int stage);
void security_set_rlimits(const struct child *c);
void security_load_seccomp(const struct child *c);
void security_drop_bounding_set(const struct child *c);
void security_switch_ids(const struct child *c);
void security_set_capabilities(const struct child *c);
/// no_new_privs, then the seccomp filter.
void security_restrict_privileges(const struct child *c);

/// ns_setup.c: --pid/--ipc/--uts joins, --sysctl and --device.
/// The intermediate's setns into plan->pidns_fd (join_pidns).
void ns_join_pid_namespace(const struct child *c, int stage);
/// setns into plan->ipcns_fd and utsns_fd, after the release.
void ns_join_ipc_uts_namespaces(const struct child *c);
/// plan->sysctls: /proc/sys opened after pivot_root, before it goes read-only;
/// written once the network is there (past the network barrier).
void ns_open_sysctls(const struct child *c);
void ns_write_sysctls(const struct child *c);
/// plan->devices with mknod beneath c->root, after the plan's mounts.
void ns_make_devices(const struct child *c);

/// init.c: pid 1 stays a reaper and forwarder; returns in its child only.
void init_run(const struct child *c);

#endif
