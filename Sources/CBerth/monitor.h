// The container monitor: a C program of its own (built into berth as an image by
// Plugins/MonitorImage and exec'd from a memfd), so the one process berth leaves
// per detached container maps libc and a few pages, not the Swift runtime.
// Compiled only into that image (BERTH_MONITOR_IMAGE); CBerth sees empty files.
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// What the Swift half of the monitor (`berth __monitor ID`) hands over on the
/// command line, as KEY=VALUE words (monitor_config_parse).
struct monitor_config {
    const char *berth;      // the berth executable: the exit is recorded by exec'ing it again
    const char *root;       // --root and --runroot of that berth
    const char *runroot;
    const char *id;         // the container's ID
    pid_t pid;              // the container's process, this process's child
    int pidfd;              // its pidfd (inherited); -1 in back-off mode
    int out, err;           // read ends of the container's stdout and stderr pipes; -1 when absent
    int log;                // the log file, opened for append; -1: no log (--log-driver none)
    int64_t log_max_size;   // --log-opt max-size in bytes; 0: unlimited (k8s_log.c)
    int64_t sleep_ms;       // back-off mode: no container; sleep, then ask berth to restart it
    int64_t health_interval_ms; // 0: no health checks (monitor_health.c)
    int64_t timeout_ms;     // --timeout: SIGKILL the container after this long; 0: never
    int tty;                // 1: `out` is the container's pty master (its terminal's output is logged as stdout)
    int in;                 // write end of the container's stdin pipe (-i without -t); -1: none
    int attach;             // the attach socket, bound and listening (monitor_attach.c); -1: none
    int client;             // a client connected before the start (run -it, start -ai); -1: none
    int hold;               // 1: only hold `out`, an exec session's pty master, until `pidfd` ends (monitor_hold)
    int oom_events;         // the container's memory.events under the systemd manager (monitor_oom.c); -1: none
    int64_t oom_kills;      // the OOM kills berth counted in it before the monitor took over
};

int monitor_config_parse(struct monitor_config *config, int argc, char **argv);

/// Copies what the container wrote on one stream to the log (monitor_log.c).
/// `is_stderr` tells the streams apart for the k8s-file format.
void monitor_log_write(const struct monitor_config *config, int is_stderr, const char *bytes, size_t length);
void monitor_log_flush(const struct monitor_config *config);

/// The health-check hook (monitor_health.c): every health_interval_ms the monitor
/// starts `berth healthcheck run ID` (stdio on /dev/null) and reaps it; the command
/// itself records State.Health and carries out --health-on-failure. One check at a
/// time: a tick that finds the last one still running is skipped.
struct monitor_health {
    int64_t next_ms;        // CLOCK_MONOTONIC milliseconds of the next check; 0: none
    pid_t pid;              // the running check; 0: none
    int pidfd;              // its pidfd, watched by the loop; -1: none
};

void monitor_health_init(struct monitor_health *health, const struct monitor_config *config, int64_t now_ms);
/// Milliseconds until the next check is due (-1: never), for poll's timeout.
int monitor_health_timeout(const struct monitor_health *health, int64_t now_ms);
/// Starts a check when one is due.
void monitor_health_tick(struct monitor_health *health, const struct monitor_config *config, int64_t now_ms);
/// Reaps the check whose pidfd became readable.
void monitor_health_reap(struct monitor_health *health);

int64_t monitor_now_ms(void);

/// The OOM watch (monitor_oom.c): the count of OOM kills read from memory.events
/// while the container runs, before systemd can remove its cgroup.
struct monitor_oom {
    int fd;                 // memory.events; -1: none, or the cgroup is gone
    uint64_t kills;         // the largest oom_kill read
};

void monitor_oom_init(struct monitor_oom *oom, const struct monitor_config *config);
/// Reads the count again (on POLLPRI, and once at the exit); closes the fd once it fails.
void monitor_oom_read(struct monitor_oom *oom);
/// Fills one poll slot (fd -1 when there is nothing to watch, which poll skips).
int monitor_oom_pollfd(const struct monitor_oom *oom, struct pollfd *slot);

/// The attach socket (monitor_attach.c): clients see the output and feed the
/// container's input; the loop polls the slots monitor_attach_pollfds fills.
#define MONITOR_ATTACH_POLLFDS 9
void monitor_attach_init(const struct monitor_config *config);
int monitor_attach_pollfds(struct pollfd *fds);
void monitor_attach_handle(const struct pollfd *fds);
void monitor_attach_output(int is_stderr, const char *bytes, size_t length);
/// Tells the clients the exit code, disconnects them and removes the socket.
void monitor_attach_exit(const struct monitor_config *config, int code);
/// Holds a detached `exec -it` session's terminal until its process ends.
int monitor_hold(const struct monitor_config *config);

#endif
