// bpf(2) through syscall(2), which is variadic and so out of Swift's reach; the
// attribute unions come from the kernel's own header.
#include "bpf_cgroup.h"

#include <linux/bpf.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf_call(int command, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, command, attr, sizeof(*attr));
}

int berth_bpf_load_device_program(const uint64_t *instructions, uint32_t count, const char *license,
                                  char *log, uint32_t log_size)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)instructions;
    attr.insn_cnt = count;
    attr.license = (uint64_t)(uintptr_t)license;
    if (log != NULL && log_size > 0) {
        log[0] = '\0';
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = log_size;
        attr.log_level = 1;
    }
    int fd = bpf_call(BPF_PROG_LOAD, &attr);
    if (fd < 0 && log != NULL && log_size > 0) {
        // A log too small for the verifier's text fails the load with ENOSPC:
        // try once more without the log, so the real outcome is the answer.
        if (errno == ENOSPC) {
            attr.log_buf = 0;
            attr.log_size = 0;
            attr.log_level = 0;
            fd = bpf_call(BPF_PROG_LOAD, &attr);
        }
    }
    return fd;
}

int berth_bpf_attach_device_program(int cgroup_fd, int program_fd)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)program_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    return bpf_call(BPF_PROG_ATTACH, &attr);
}
