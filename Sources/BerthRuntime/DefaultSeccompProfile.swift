// berth's built-in seccomp profile: podman's (containers/common) stance — calls outside
// the allowlist get ENOSYS so programs fall back, dangerous ones EPERM — with docker's
// rule that namespace and mount calls need CAP_SYS_ADMIN (design.md §8).
import Glibc

extension SeccompProfile {
    package static let defaultProfile = SeccompProfile(
        defaultAction: .errno,
        defaultErrnoRet: DefaultSeccompRules.enosys,
        archMap: [
            ArchMapEntry(architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
            ArchMapEntry(architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"]),
        ],
        syscalls: DefaultSeccompRules.syscalls
    )

    /// The default profile as JSON with sorted keys: stable bytes to key the cache with.
    package static var defaultProfileJSON: [UInt8] { DefaultSeccompRules.json }
}

private enum DefaultSeccompRules {
    typealias Syscall = SeccompProfile.Syscall
    typealias Filter = SeccompProfile.Filter
    typealias Arg = SeccompProfile.Arg

    static let eperm = UInt32(EPERM)
    static let enosys = UInt32(ENOSYS)
    static let einval = UInt32(EINVAL)

    static let json = SeccompProfile.defaultProfile.canonicalJSON()

    /// Allowed for every container. Names this libseccomp does not know are skipped at
    /// compile time (and then get ENOSYS, as on a kernel that lacks them).
    static let allowed: [String] = [
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset",
        "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
        "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
        "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
        "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
        "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
        "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
        "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
        "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64",
        "futex_wait", "futex_waitv", "futex_wake", "futimesat", "get_robust_list", "get_thread_area", "getcpu",
        "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid",
        "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
        "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
        "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid",
        "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
        "io_cancel", "io_destroy", "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set",
        "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
        "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek",
        "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "memfd_create",
        "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall",
        "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl",
        "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
        "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_getfd",
        "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
        "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
        "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readdir",
        "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
        "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir",
        "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
        "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
        "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
        "sched_getparam", "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
        "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
        "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_thread_area", "set_tid_address",
        "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
        "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid",
        "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
        "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64",
        "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
        "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
        "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
        "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
        "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64",
        "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev",
    ]

    /// EPERM for everyone: podman's list of obsolete or host-affecting calls, plus the
    /// key management calls docker denies (the kernel keyring is not namespaced).
    static let denied: [String] = [
        "add_key", "bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "keyctl", "membarrier",
        "migrate_pages", "move_pages", "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname", "oldstat",
        "olduname", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "request_key", "sgetmask",
        "ssetmask", "swapcontext", "swapoff", "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86",
        "vm86old", "vmsplice",
    ]

    /// Mount, namespace and host-identity calls: allowed with CAP_SYS_ADMIN, EPERM without.
    static let sysAdmin: [String] = [
        "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount", "mount_setattr",
        "move_mount", "open_tree", "pivot_root", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
        "setns", "umount", "umount2", "unshare",
    ]

    /// The clone flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
    /// NEWUSER, NEWPID, NEWNET); 0x7E020000 together.
    static let namespaceFlags: [UInt64] = [
        0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000,
    ]

    static let syscalls: [Syscall] =
        [allow(allowed), Syscall(names: denied, action: .errno, errnoRet: eperm)]
        + personality + architectureSpecific + tracing + sockets + namespaces
        + gated(["bpf"], byAny: ["CAP_SYS_ADMIN", "CAP_BPF"])
        + gated(["perf_event_open"], byAny: ["CAP_SYS_ADMIN", "CAP_PERFMON"])
        + gated(["syslog"], byAny: ["CAP_SYSLOG", "CAP_SYS_ADMIN"])
        + gated(["chroot"], byAny: ["CAP_SYS_CHROOT"])
        + gated(["delete_module", "finit_module", "init_module", "query_module"], byAny: ["CAP_SYS_MODULE"])
        + gated(["acct"], byAny: ["CAP_SYS_PACCT"])
        + gated(["iopl", "ioperm"], byAny: ["CAP_SYS_RAWIO"])
        + gated(["clock_settime", "clock_settime64", "settimeofday", "stime"], byAny: ["CAP_SYS_TIME"])
        + gated(["vhangup"], byAny: ["CAP_SYS_TTY_CONFIG"])
        + gated(["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"], byAny: ["CAP_SYS_NICE"])
        + gated(["reboot"], byAny: ["CAP_SYS_BOOT"])
        + gated(["open_by_handle_at"], byAny: ["CAP_DAC_READ_SEARCH"])

    /// Execution domains glibc and setarch use; the rest (e.g. READ_IMPLIES_EXEC) weaken
    /// the container. 0xffffffff only queries.
    static let personality: [Syscall] = [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff].map {
        allow(["personality"], args: [Arg(index: 0, value: $0, op: .equal)])
    }

    static let architectureSpecific: [Syscall] = [
        allow(
            ["arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls", "sync_file_range2"],
            includes: Filter(arches: ["arm", "arm64"])),
        allow(["arch_prctl"], includes: Filter(arches: ["amd64", "x32"])),
        allow(["modify_ldt"], includes: Filter(arches: ["amd64", "x32", "x86"])),
    ]

    /// ptrace is safe since 4.8 (seccomp is rechecked after the tracer changes a call);
    /// looking into other processes' memory or files needs CAP_SYS_PTRACE.
    static let tracing: [Syscall] = [
        allow(
            ["process_vm_readv", "process_vm_writev", "ptrace"],
            includes: Filter(minKernel: SeccompProfile.KernelVersion(major: 4, minor: 8))),
        allow(
            ["kcmp", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"],
            includes: Filter(caps: ["CAP_SYS_PTRACE"])),
        Syscall(
            names: ["kcmp", "process_madvise"], action: .errno, errnoRet: eperm,
            excludes: Filter(caps: ["CAP_SYS_PTRACE"])),
    ]

    /// Audit sockets fail with EINVAL without CAP_AUDIT_WRITE, which libaudit takes as
    /// "no audit here" (login, sudo and PAM keep working); other sockets are allowed.
    static let sockets: [Syscall] = {
        let afNetlink = UInt64(AF_NETLINK)
        let netlinkAudit: UInt64 = 9  // NETLINK_AUDIT
        let noAudit = Filter(caps: ["CAP_AUDIT_WRITE"])
        return [
            Syscall(
                names: ["socket"], action: .errno, errnoRet: einval,
                args: [Arg(index: 0, value: afNetlink, op: .equal), Arg(index: 2, value: netlinkAudit, op: .equal)],
                excludes: noAudit),
            allow(["socket"], args: [Arg(index: 2, value: netlinkAudit, op: .notEqual)], excludes: noAudit),
            allow(["socket"], args: [Arg(index: 0, value: afNetlink, op: .notEqual)], excludes: noAudit),
            allow(["socket"], includes: noAudit),
        ]
    }()

    /// Without CAP_SYS_ADMIN: clone only without namespace flags (EPERM with them), and
    /// clone3 ENOSYS because its flags sit behind a pointer seccomp cannot read — glibc
    /// then falls back to clone. (ENOSYS is also the default action, so the compiler
    /// drops that rule; it stays so the profile says what happens, as docker's does.)
    static let namespaces: [Syscall] = {
        let admin = Filter(caps: ["CAP_SYS_ADMIN"])
        let all = namespaceFlags.reduce(0, |)
        return [
            allow(sysAdmin + ["clone", "clone3"], includes: admin),
            Syscall(names: sysAdmin, action: .errno, errnoRet: eperm, excludes: admin),
            allow(["clone"], args: [Arg(index: 0, value: all, valueTwo: 0, op: .maskedEqual)], excludes: admin),
        ]
            + namespaceFlags.map {
                Syscall(
                    names: ["clone"], action: .errno, errnoRet: eperm,
                    args: [Arg(index: 0, value: $0, valueTwo: $0, op: .maskedEqual)], excludes: admin)
            }
            + [Syscall(names: ["clone3"], action: .errno, errnoRet: enosys, excludes: admin)]
    }()

    static func allow(_ names: [String], args: [Arg]? = nil, includes: Filter? = nil, excludes: Filter? = nil)
        -> Syscall
    {
        Syscall(names: names, action: .allow, args: args, includes: includes, excludes: excludes)
    }

    /// Allowed when the container holds any of `caps`, EPERM when it holds none.
    static func gated(_ names: [String], byAny caps: [String]) -> [Syscall] {
        caps.map { allow(names, includes: Filter(caps: [$0])) }
            + [Syscall(names: names, action: .errno, errnoRet: eperm, excludes: Filter(caps: caps))]
    }
}
