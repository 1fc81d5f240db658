// Compiling seccomp profiles to BPF with libseccomp, once per profile: berth
// caches the program in the store and the child loads it raw (design.md §7).
#ifndef BERTH_SECCOMP_COMPILE_H
#define BERTH_SECCOMP_COMPILE_H

#include <stddef.h>
#include <stdint.h>

/// One argument condition (docker profile "args" entry). `op` is the SCMP_CMP_*
/// value: 1 NE, 2 LT, 3 LE, 4 EQ, 5 GE, 6 GT, 7 MASKED_EQ.
struct berth_seccomp_arg {
    unsigned int index;
    int op;
    uint64_t value;
    uint64_t value_two;
};

/// One rule: `action` is a SCMP_ACT_* value (use berth_seccomp_action for ERRNO/TRACE).
struct berth_seccomp_rule {
    const char *syscall;
    uint32_t action;
    const struct berth_seccomp_arg *args;
    size_t arg_count;
};

/// SCMP_ACT_ERRNO(code) and friends as values Swift can use.
uint32_t berth_seccomp_action_errno(uint32_t code);
uint32_t berth_seccomp_action_allow(void);
uint32_t berth_seccomp_action_kill_process(void);
uint32_t berth_seccomp_action_kill_thread(void);
uint32_t berth_seccomp_action_log(void);
uint32_t berth_seccomp_action_trap(void);

/// libseccomp's version as "major.minor.micro" (part of the cache key).
const char *berth_seccomp_version(void);

/// Builds a filter: `default_action` for everything not matched; `arches` are
/// libseccomp architecture names ("x86_64", "x86", "x32", "aarch64", "arm", …);
/// syscalls unknown to libseccomp are skipped, as docker does. On success returns 0
/// and a malloc'd BPF program (struct sock_filter array) in *bpf, *bpf_len bytes.
/// On failure returns -1 and writes a message naming the rule into err.
int berth_seccomp_compile(uint32_t default_action, const char *const *arches, size_t arch_count,
                          const struct berth_seccomp_rule *rules, size_t rule_count,
                          void **bpf, size_t *bpf_len, char *err, size_t err_len);

/// berth_seccomp_compile that also reports which rule failed: on failure *failed_rule is
/// the index into `rules` (SIZE_MAX when no single rule is to blame, e.g. a bad arch).
int berth_seccomp_compile_ex(uint32_t default_action, const char *const *arches, size_t arch_count,
                             const struct berth_seccomp_rule *rules, size_t rule_count,
                             void **bpf, size_t *bpf_len, size_t *failed_rule, char *err, size_t err_len);

#endif
