// Exec'ing an executable image held in memory (the container monitor, see
// monitor.h): written to a sealed memfd and run with execveat(AT_EMPTY_PATH).
// A memfd needs no file on disk a container or user could swap, and sealing it
// means nothing can change the image while it runs.
#define _GNU_SOURCE
#include "cberth.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int berth_exec_image(const void *image, size_t size, const char *name, char *const argv[], char *const envp[])
{
    // MFD_EXEC says so explicitly where vm.memfd_noexec exists (6.3+); older
    // kernels refuse the unknown flag, and their memfds are executable anyway.
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    const char *bytes = image;
    size_t left = size;
    while (left > 0) {
        ssize_t n = write(fd, bytes, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) goto fail;
        bytes += n;
        left -= (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) goto fail;
    // Close-on-exec is fine for an ELF image: the kernel has mapped it before it closes the fd.
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}
