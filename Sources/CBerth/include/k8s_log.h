// The k8s-file log writer: podman's (conmon's) log format, one record a line:
//   TIMESTAMP STREAM TAG CONTENT
// TIMESTAMP is RFC 3339 with nanoseconds in UTC ("2026-12-06T12:00:00.123456789Z"),
// STREAM is "stdout" or "stderr", TAG is "F" for a full line (its newline
// dropped) or "P" for a partial one (the rest comes in the next record).
// Used by the C monitor (monitor_log.c, compiled into its image) and by a
// foreground run, so `berth logs` reads one format whichever wrote it. No
// allocation and no stdio: the monitor maps libc and nothing more.
#ifndef BERTH_K8S_LOG_H
#define BERTH_K8S_LOG_H

#include <stddef.h>
#include <stdint.h>

struct k8s_log {
    int fd;             // the log file, opened O_WRONLY|O_APPEND; -1: no log
    int64_t max_size;   // --log-opt max-size in bytes; 0: unlimited
    int64_t size;       // bytes in the file now (k8s_log_init reads it)
};

/// Takes over `fd` (an O_APPEND log file, -1 for none) with a size limit;
/// 0 on success, -1 with errno when the file's size cannot be read.
int k8s_log_init(struct k8s_log *log, int fd, int64_t max_size);

/// Writes what one stream produced as records: every complete line as "F", a
/// trailing piece without its newline as "P". Before a write would take the
/// file past max_size the file is emptied and starts again (conmon's rotation),
/// so a follower sees it shrink. A failed write loses output, never the
/// container. `is_stderr` picks the stream name.
void k8s_log_write(struct k8s_log *log, int is_stderr, const char *bytes, size_t length);

/// A foreground run (podman's conmon does the same): copies what the container
/// writes on its stdout and stderr pipes to `out_fd` and `err_fd` and into the
/// log, until both pipes reach EOF (the container and everything that held them
/// are gone). A terminal that goes away (EPIPE) ends the copy to it, never the
/// log; SIGPIPE is blocked meanwhile, so berth is not killed by a closed pipe.
void k8s_log_relay(struct k8s_log *log, int out_pipe, int err_pipe, int out_fd, int err_fd);

#endif
