// The container child path (design.md §2): the parent flattens everything the
// child needs into one berth_launch_plan before clone; the child makes raw
// syscalls only (no malloc, no stdio) until execve.
#ifndef BERTH_LAUNCH_H
#define BERTH_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// The most cgroup v1 hierarchies a container joins (cgroup_task_count).
#define BERTH_CGROUP_HIERARCHIES 16

/// What a berth_mount entry does, in plan order, before pivot_root.
enum berth_mount_kind {
    BERTH_MOUNT_FS = 0,      // mount(source, target, fstype, flags, data)
    BERTH_MOUNT_BIND = 1,    // bind source (host path) onto target; MS_RDONLY in flags remounts read-only
    BERTH_MOUNT_DEVICE = 2,  // bind the host device node `source` onto a new empty file at target
    BERTH_MOUNT_SYMLINK = 3, // symlink(source, target)
};

struct berth_mount {
    int kind;
    const char *source;
    /// Absolute path inside the container; created (dir, or file for binds of
    /// files and devices) beneath the new root, never through a symlink out of it.
    const char *target;
    const char *fstype;
    unsigned long flags;
    const char *data;
};

/// A device node made in the container (--device as root).
struct berth_device {
    const char *target;   // absolute path inside the container
    mode_t mode;          // S_IFCHR or S_IFBLK | permission bits
    unsigned int major, minor;
    uid_t uid;
    gid_t gid;
};

struct berth_rlimit {
    int resource;
    uint64_t soft;
    uint64_t hard;
};

struct berth_launch_plan {
    /// CLONE_NEW* flags (CLONE_NEWUSER when rootless); SIGCHLD is added.
    int clone_flags;

    /// Where the root filesystem is assembled (an empty directory on the host).
    const char *rootfs;
    /// When set: mount overlay on rootfs with these options
    /// ("lowerdir=…,upperdir=…,workdir=…[,userxattr]"); else rootfs is bind-mounted.
    const char *overlay_options;
    bool readonly_rootfs;

    const struct berth_mount *mounts;
    size_t mount_count;
    const char *const *masked_paths;   // /dev/null over files, read-only empty tmpfs over dirs; missing ones skipped
    size_t masked_count;
    const char *const *readonly_paths; // bind-remounted read-only; missing ones skipped
    size_t readonly_count;

    const char *hostname;  // NULL: leave as is (no UTS namespace)
    /// Bring up the loopback interface (a new network namespace starts with lo down).
    bool loopback_up;
    /// net.ipv4.ping_group_range to write in the new network namespace, or NULL.
    const char *ping_group_range;

    /// The process. `path` is resolved by the parent against the image's PATH
    /// inside the rootfs when possible; if it has no slash the child searches `search_path`.
    const char *path;
    const char *search_path;
    char *const *argv;
    char *const *envp;
    const char *cwd;       // created if missing (as podman), then chdir
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t group_count;
    mode_t umask;

    uint64_t cap_bounding;
    uint64_t cap_effective;
    uint64_t cap_permitted;
    uint64_t cap_inheritable;
    uint64_t cap_ambient;
    bool no_new_privs;

    /// A compiled seccomp program (struct sock_filter array), loaded last before exec.
    const void *seccomp_filter;
    size_t seccomp_filter_len;   // in sock_filter entries; 0 = no filter

    const struct berth_rlimit *rlimits;
    size_t rlimit_count;

    int stdin_fd, stdout_fd, stderr_fd;  // dup'ed onto 0/1/2; -1 keeps the inherited one
    /// A terminal: setsid() and TIOCSCTTY on stdin_fd.
    bool tty;
    /// pid 1 stays a tiny init (reaps zombies, forwards signals) and forks the process.
    bool init;

    /// /proc/sys/kernel/cap_last_cap of this kernel (caps above it are not
    /// dropped from the bounding set); 0: berth_launch reads it before cloning.
    int cap_last_cap;
    /// fds 3 … 3+preserve_fds-1 stay open across exec (podman --preserve-fds);
    /// every other fd above 2 is made close-on-exec in the child. 0: none.
    int preserve_fds;

    /// Join this user namespace (an fd of /proc/PID/ns/user) instead of creating
    /// one: clone_flags must not contain CLONE_NEWUSER then. Only read when
    /// join_userns is true.
    bool join_userns;
    int userns_fd;

    /// personality(2) execution domain set before exec (--personality:
    /// PER_LINUX or PER_LINUX32); only when set_personality.
    bool set_personality;
    unsigned long personality;
    /// --group-add keep-groups: no setgroups at all, so the process keeps the
    /// supplementary groups of berth's caller (unmapped ones show as the
    /// overflow gid); groups/group_count are then unused.
    bool keep_groups;

    /// cgroup v1: the container's cgroup, one hierarchy per index: the
    /// hierarchy's mount point (cgroup_mounts[i]) and its `tasks` file below it
    /// (cgroup_tasks[i], relative). The child opens each mount point right after
    /// the release (host paths are gone after pivot_root) and writes "0" to the
    /// tasks files once the parent has made the cgroup: at the barrier when
    /// there is one, else right away; before it enters its cgroup namespace
    /// either way. A thread moving itself through `tasks` skips the kernel's
    /// global threadgroup lock, whose first writer waits out an RCU grace
    /// period (10-15 ms here) when berth moves the pid through cgroup.procs.
    /// At most BERTH_CGROUP_HIERARCHIES.
    const char *const *cgroup_mounts;
    const char *const *cgroup_tasks;
    size_t cgroup_task_count;
    /// --network container:ID or ns:PATH: join this network namespace (an fd of
    /// /proc/PID/ns/net, or the ns: path) right after the release, instead of
    /// making one (clone_flags then lack CLONE_NEWNET). Only read when join_netns.
    bool join_netns;
    int netns_fd;
    /// A second barrier (berth_launch_wait_barrier): after its rootfs and
    /// read-only paths (step 7) and before rlimits, seccomp, ids and exec, the
    /// child tells the parent it is there and waits for berth_launch_pass_barrier,
    /// then joins its cgroup. Between release and barrier the parent makes the
    /// container's cgroup and starts a user-mode network helper (pasta), so that
    /// both run beside the child's mounts while the container's first
    /// instruction still runs in its cgroup and finds its interface configured.
    bool barrier;
    /// The parent works beside the child's set-up (with barrier: it makes the
    /// cgroup). The kernel often queues a new process on its parent's CPU, where
    /// it waits until the parent sleeps: the set-up would start only after that
    /// work. berth_launch moves the child off the parent's CPU right after the
    /// clone (when the parent may use another), and the child takes back the
    /// parent's CPU mask first thing after the release, so the container runs
    /// with the mask it would have had.
    bool off_parent_cpu;
    /// --passwd: lines appended to the container's /etc/passwd and /etc/group
    /// (NULL: none) after pivot_root, through the container's root with no
    /// crossing of a mount and no final symlink: only a regular file of the
    /// rootfs itself is written; any other is left alone.
    const char *passwd_lines;
    const char *group_lines;
    /// join_userns with CLONE_NEWUSER in clone_flags (rootless --userns keep-id on
    /// a user network): the container's user namespace is made *nested* in the
    /// joined one, whose root the intermediate is, and the intermediate writes
    /// these maps ("inside outside size" lines, outside ids being the joined
    /// namespace's) before it reports the pid. The network namespace then belongs
    /// to a descendant of the rootless one, where the rootless network namespace's
    /// helper may make its interface (podman's runtime nests keep-id the same way).
    const char *nested_uid_map;
    const char *nested_gid_map;

    /// --pid container:ID|ns:PATH: join this pid namespace (an fd of
    /// /proc/PID/ns/pid or the ns: path) instead of making one (clone_flags
    /// then lack CLONE_NEWPID). A pid namespace applies to the children of the
    /// one that enters it, so berth_launch clones the intermediate process of
    /// join mode, which setns()es it and forks the container process into it.
    bool join_pidns;
    int pidns_fd;
    /// --ipc and --uts container:ID|ns:PATH: joined right after the release,
    /// as join_netns (clone_flags then lack CLONE_NEWIPC / CLONE_NEWUTS).
    bool join_ipcns;
    int ipcns_fd;
    bool join_utsns;
    int utsns_fd;
    /// --sysctl: names ("net.ipv4.ip_forward") and values, written after
    /// pivot_root through the container's own /proc/sys (ns_setup.c).
    const char *const *sysctl_names;
    const char *const *sysctl_values;
    size_t sysctl_count;
    /// --device as root: nodes made with mknod beneath the root after the
    /// plan's mounts (rootless binds the host's node: BERTH_MOUNT_DEVICE).
    const struct berth_device *devices;
    size_t device_count;
};

/// Where a failed child stopped, reported with its errno.
enum berth_launch_stage {
    BERTH_STAGE_SYNC = 1,
    BERTH_STAGE_MOUNT_ROOTFS,
    BERTH_STAGE_MOUNTS,
    BERTH_STAGE_PIVOT_ROOT,
    BERTH_STAGE_MASKS,
    BERTH_STAGE_HOSTNAME,
    BERTH_STAGE_NETWORK,
    BERTH_STAGE_RLIMITS,
    BERTH_STAGE_IDS,
    BERTH_STAGE_CAPABILITIES,
    BERTH_STAGE_SECCOMP,
    BERTH_STAGE_CWD,
    BERTH_STAGE_STDIO,
    BERTH_STAGE_EXEC,
    /// unshare(CLONE_NEWCGROUP), done after the release (see berth_launch).
    BERTH_STAGE_NAMESPACES,
    /// The init of plan->init: fork of the container's process, its process group.
    BERTH_STAGE_INIT,
    /// plan->join_userns: the intermediate process (setns into userns_fd, root
    /// there, unshare of the other namespaces, fork of the container process).
    BERTH_STAGE_JOIN_USERNS,
    /// personality(2) of plan->set_personality.
    BERTH_STAGE_PERSONALITY,
    /// exec: joining the running container's namespaces (setns), and the
    /// forks into its pid namespace.
    BERTH_STAGE_JOIN_NAMESPACES,
    /// --sysctl: writing one of plan->sysctl_names.
    BERTH_STAGE_SYSCTL,
    /// --device: making one of plan->devices.
    BERTH_STAGE_DEVICES,
};

struct berth_launch_report {
    int32_t stage;  // enum berth_launch_stage
    int32_t error;  // errno
    /// Which mount or path failed, for the message (truncated), e.g.
    /// "proc on /proc", "bind /x on /data", "RLIMIT_NOFILE", "setresuid 1000",
    /// the command's path for BERTH_STAGE_EXEC.
    char detail[240];
};

/// Clones the child with plan->clone_flags (CLONE_NEW* only, else EINVAL;
/// CLONE_NEWNS is required). CLONE_NEWCGROUP is applied by the child after the
/// release, so the namespace is rooted at the cgroup the parent moved it into.
/// The child dies with SIGKILL when the *thread* that called berth_launch exits
/// (PR_SET_PDEATHSIG): call it from a thread that outlives the container.
/// cap_ambient caps are also made inheritable (the kernel raises only those).
/// The child waits until
/// berth_launch_release() before doing anything, so the parent can write id maps
/// (and, without plan->barrier, make its cgroup). Returns the child's pid (and a pidfd in *pidfd when the
/// kernel gives one, else -1) or -1 with errno set. *sync_fd is the parent's end
/// of a SOCK_SEQPACKET|SOCK_CLOEXEC socketpair.
///
/// plan->join_userns (rootless with a pause process holding the user namespace;
/// no id maps to write): berth_launch clones an intermediate process without
/// namespace flags. It setns(userns_fd, CLONE_NEWUSER), becomes root there
/// (setresgid/setresuid 0, setgroups), unshares clone_flags minus
/// CLONE_NEWCGROUP (still made after the release) and forks the container
/// process with CLONE_PARENT: that one is a child of the thread that called
/// berth_launch, exactly as without join_userns (waitpid, pidfd, the
/// PR_SET_PDEATHSIG rule above), and pid 1 of its pid namespace. The
/// intermediate sends one record on the sync socket and exits:
///   - its pid report: berth_launch reaps the intermediate and returns the
///     container process's pid (and *pidfd from pidfd_open, -1 on ENOSYS);
///   - or a failure report (stage BERTH_STAGE_JOIN_USERNS, errno, detail) and
///     exit 127: berth_launch leaves it queued and returns the intermediate's
///     pid (and its pidfd), not reaped. The caller goes on as usual:
///     berth_launch_release returns 0, berth_launch_wait_exec returns 1 with
///     the report, waitpid sees exit 127.
/// berth_launch blocks until that record (the setns, unshare and fork: well
/// under a millisecond), watching the intermediate's pidfd: one that dies
/// without a record (killed) makes it return -1 with errno ECHILD.
/// The caller may close userns_fd once berth_launch has returned.
///
/// Every message on the sync socket is one fixed-size tagged record
/// {tag, stage, errno, pid, detail} (Sources/CBerth/protocol.h); a successful
/// exec sends none (the socket is close-on-exec: the parent reads EOF).
pid_t berth_launch(const struct berth_launch_plan *plan, int *sync_fd, int *pidfd);

/// Lets the child go on (sends the release record on `sync_fd`; also the
/// release of berth_spawn_in_userns). Returns 0 or -1 with errno (0 also when
/// the child has already died: berth_launch_wait_exec then returns its report
/// or 0).
int berth_launch_release(int sync_fd);

/// Waits for the child's exec: returns 0 when it exec'd (the socket closed on
/// exec), 1 with *report filled when it failed, -1 with errno on error.
int berth_launch_wait_exec(int sync_fd, struct berth_launch_report *report);

/// plan->barrier: waits until the released child reaches its second
/// barrier. 1: it is there and waits for berth_launch_pass_barrier; 0: it
/// failed (its report stays queued for berth_launch_wait_exec) or died; -1 with
/// errno on error (EBADMSG: not a valid record).
int berth_launch_wait_barrier(int sync_fd);

/// Lets a child waiting at its second barrier go on to exec; sent before it
/// gets there, it goes on without waiting (berth_launch_wait_barrier then
/// takes its arrival). 0 (also when the child is gone: berth_launch_wait_exec
/// tells) or -1 with errno.
int berth_launch_pass_barrier(int sync_fd);

#endif
