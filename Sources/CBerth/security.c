// The container process's security settings (steps 3 and 8-12, 15 of
// child.c's diagram): the user namespace's root, rlimits, the seccomp filter,
// the bounding set, ids, capabilities and no_new_privs. Ids change through raw
// system calls (raw_syscalls.h), never glibc's setxid broadcast.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "raw_syscalls.h"

/// Root of the user namespace just entered (created or joined), failures
/// reported at `stage`.
void security_become_userns_root(const struct child *c, int stage)
{
    // EINVAL: 0 is not mapped; carry on with the ids we have.
    if (raw_setresgid(0) < 0 && errno != EINVAL)
        child_fail(c, stage, errno, "setresgid 0 in the user namespace");
    if (raw_setresuid(0) < 0 && errno != EINVAL)
        child_fail(c, stage, errno, "setresuid 0 in the user namespace");
    // EPERM: setgroups is denied in this namespace.
    if (!c->plan->keep_groups && raw_setgroups(0, NULL) < 0 && errno != EPERM)
        child_fail(c, stage, errno, "setgroups in the user namespace");
    child_rearm_parent_death(c, stage);
}

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

void security_set_rlimits(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    for (size_t i = 0; i < p->rlimit_count; i++) {
        const struct berth_rlimit *r = &p->rlimits[i];
        struct { uint64_t soft, hard; } limit = { r->soft, r->hard };
        if (syscall(SYS_prlimit64, 0, r->resource, &limit, NULL) < 0)
            child_fail(c, BERTH_STAGE_RLIMITS, errno, rlimit_name(r->resource));
    }
}

void security_load_seccomp(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    if (p->seccomp_filter == NULL || p->seccomp_filter_len == 0)
        return;
    if (p->seccomp_filter_len > BPF_MAXINSNS)
        child_fail(c, BERTH_STAGE_SECCOMP, EINVAL, "seccomp program too long");
    struct sock_fprog program = {
        .len = (unsigned short)p->seccomp_filter_len,
        .filter = (struct sock_filter *)(uintptr_t)p->seccomp_filter,
    };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) < 0)
        child_fail(c, BERTH_STAGE_SECCOMP, errno, "seccomp");
}

static int last_cap(const struct child *c)
{
    return c->cap_last_cap > 63 ? 63 : c->cap_last_cap;
}

void security_drop_bounding_set(const struct child *c)
{
    for (int cap = 0; cap <= last_cap(c); cap++) {
        if (c->plan->cap_bounding & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            child_fail_number(c, BERTH_STAGE_CAPABILITIES, errno, "drop from the bounding set: cap ", (unsigned long)cap);
    }
}

void security_switch_ids(const struct child *c)
{
    const struct berth_launch_plan *p = c->plan;
    // Keep the permitted set across the uid change; capset picks from it next.
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_IDS, errno, "PR_SET_KEEPCAPS");
    // EPERM with no groups: a user namespace with setgroups denied, nothing to drop.
    if (!p->keep_groups && raw_setgroups(p->group_count, p->groups) < 0 && !(errno == EPERM && p->group_count == 0))
        child_fail(c, BERTH_STAGE_IDS, errno, "setgroups");
    if (raw_setresgid(p->gid) < 0)
        child_fail_number(c, BERTH_STAGE_IDS, errno, "setresgid ", (unsigned long)p->gid);
    if (raw_setresuid(p->uid) < 0)
        child_fail_number(c, BERTH_STAGE_IDS, errno, "setresuid ", (unsigned long)p->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_IDS, errno, "PR_SET_KEEPCAPS");
    child_rearm_parent_death(c, BERTH_STAGE_IDS);
}

void security_set_capabilities(const struct child *c)
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
        child_fail(c, BERTH_STAGE_CAPABILITIES, errno, "capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && !(errno == EINVAL && p->cap_ambient == 0))
        child_fail(c, BERTH_STAGE_CAPABILITIES, errno, "clear ambient capabilities");
    for (int cap = 0; cap <= last_cap(c); cap++)
        if ((p->cap_ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            child_fail_number(c, BERTH_STAGE_CAPABILITIES, errno, "raise ambient cap ", (unsigned long)cap);
}

void security_restrict_privileges(const struct child *c)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail(c, BERTH_STAGE_SECCOMP, errno, "PR_SET_NO_NEW_PRIVS");
    security_load_seccomp(c);
}
