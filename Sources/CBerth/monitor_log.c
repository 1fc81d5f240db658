// Where the container's output goes: the k8s-file writer (k8s_log.c), set up
// from the log fd and --log-opt max-size the Swift half handed over.
#ifdef BERTH_MONITOR_IMAGE
#include "monitor.h"
#include "include/k8s_log.h"

static struct k8s_log the_log = {-1, 0, 0};
static int the_log_ready;

void monitor_log_write(const struct monitor_config *config, int is_stderr, const char *bytes, size_t length)
{
    if (!the_log_ready) {
        // A size that cannot be read counts as 0: rotation then comes one limit late.
        (void)k8s_log_init(&the_log, config->log, config->log_max_size);
        the_log_ready = 1;
    }
    k8s_log_write(&the_log, is_stderr, bytes, length);
}

void monitor_log_flush(const struct monitor_config *config)
{
    (void)config;  // every record is written at once
}
#endif
