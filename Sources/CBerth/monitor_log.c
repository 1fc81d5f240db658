// Where the container's output goes. Until the k8s-file writer (k8s_log.c, the
// `logs` work) lands, the bytes are appended as the container wrote them, which
// is what `berth logs` reads today.
#ifdef BERTH_MONITOR_IMAGE
#include "monitor.h"

#include <errno.h>
#include <unistd.h>

void monitor_log_write(const struct monitor_config *config, int is_stderr, const char *bytes, size_t length)
{
    (void)is_stderr;
    if (config->log < 0) return;
    while (length > 0) {
        ssize_t n = write(config->log, bytes, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full disk loses output, never the container
        bytes += n;
        length -= (size_t)n;
    }
}

void monitor_log_flush(const struct monitor_config *config)
{
    (void)config;
}
#endif
