// bpf(2) for the device cgroup on cgroup v2: load a BPF_PROG_TYPE_CGROUP_DEVICE
// program (assembled in Swift, BPFProgram.swift) and attach it to a cgroup.
#ifndef BERTH_BPF_CGROUP_H
#define BERTH_BPF_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/// Loads `count` instructions (8 bytes each, struct bpf_insn's layout) as a
/// cgroup device program with `license`. Returns the program's fd, or -1 with
/// errno set; the verifier's complaint, if any, is in `log` (NUL-terminated).
int berth_bpf_load_device_program(const uint64_t *instructions, uint32_t count, const char *license,
                                  char *log, uint32_t log_size);

/// Attaches the device program `program_fd` to the cgroup directory `cgroup_fd`
/// (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI: a parent's program still runs, and so
/// may one a nested engine adds below). Returns 0, or -1 with errno set.
int berth_bpf_attach_device_program(int cgroup_fd, int program_fd);

#endif
