// The container monitor's main loop: holds the container's stdout and stderr
// pipes and writes them to the log, runs the health-check timer, and when the
// container exits reaps it and execs berth again (`__monitor ID --exited CODE`)
// to record the exit, apply --rm and the restart policy. The Swift half that
// starts the container execs this image; the pid stays the same throughout, so
// State.ConmonPid and --conmon-pidfile name one process for the container's life.
#ifdef BERTH_MONITOR_IMAGE
#define _GNU_SOURCE
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int64_t monitor_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// Reads what a stream has now into the log; returns 0 at EOF (the pipe's last
/// writer closed it) so the loop stops watching it.
static int drain(const struct monitor_config *config, int fd, int is_stderr)
{
    char buffer[16384];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0) {
            monitor_log_write(config, is_stderr, buffer, (size_t)n);
            monitor_attach_output(is_stderr, buffer, (size_t)n);
            if ((size_t)n < sizeof buffer) return 1;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 1;
        return 0;
    }
}

/// The container's exit code (128+N for signal N), reaped through its pidfd.
static int reap_container(const struct monitor_config *config)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid(P_PIDFD, (id_t)config->pidfd, &info, WEXITED) < 0) {
        if (errno != EINTR) return 125;
    }
    return info.si_code == CLD_EXITED ? (info.si_status & 0xff) : 128 + info.si_status;
}

/// Hands the container back to berth: `berth --root R --runroot RR __monitor ID WORD [VALUE]`.
/// Only an exec failure returns, and then nobody is left to record the exit:
/// `ps` reads the container as exited through its liveness check.
/// `extra`: one more word after VALUE (`--oom-killed`), or NULL.
static void exec_berth(const struct monitor_config *config, const char *word, const char *value, const char *extra)
{
    char *argv[] = {(char *)config->berth, "--root", (char *)config->root, "--runroot", (char *)config->runroot,
                    "__monitor", (char *)config->id, (char *)word, (char *)value, (char *)extra, NULL};
    execv(config->berth, argv);
    const char *reason = strerror(errno);
    (void)!write(2, "berth monitor: exec ", 20);
    (void)!write(2, config->berth, strlen(config->berth));
    (void)!write(2, ": ", 2);
    (void)!write(2, reason, strlen(reason));
    (void)!write(2, "\n", 1);
    _exit(125);
}

/// Back-off mode: wait out the restart delay, then ask berth to start the container again.
static int back_off(const struct monitor_config *config)
{
    struct timespec delay = {config->sleep_ms / 1000, (config->sleep_ms % 1000) * 1000000};
    while (nanosleep(&delay, &delay) < 0 && errno == EINTR) {}
    exec_berth(config, "--restart", NULL, NULL);
    return 125;
}

static void set_nonblocking(int fd)
{
    if (fd >= 0) (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/// The fds handed over were inheritable for this exec; nothing the monitor starts
/// (a health check, berth recording the exit) may keep them.
static void close_on_exec(int fd)
{
    if (fd >= 0) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int supervise(const struct monitor_config *config)
{
    struct monitor_health health;
    monitor_health_init(&health, config, monitor_now_ms());
    struct monitor_oom oom;
    monitor_oom_init(&oom, config);
    int out = config->out, err = config->err, exited = 0;
    set_nonblocking(out);
    set_nonblocking(err);
    close_on_exec(out);
    close_on_exec(err);
    close_on_exec(config->log);
    close_on_exec(config->pidfd);
    monitor_attach_init(config);
    int64_t kill_at = config->timeout_ms > 0 ? monitor_now_ms() + config->timeout_ms : 0;
    while (!exited) {
        struct pollfd fds[5 + MONITOR_ATTACH_POLLFDS] = {{config->pidfd, POLLIN, 0}, {out, POLLIN, 0}, {err, POLLIN, 0}, {health.pidfd, POLLIN, 0}};
        int watched = 4 + monitor_oom_pollfd(&oom, fds + 4);
        watched += monitor_attach_pollfds(fds + watched);
        int64_t now = monitor_now_ms();
        if (kill_at && now >= kill_at) {
            // Through the pidfd: the container is unreaped, so it is this very process.
            (void)syscall(SYS_pidfd_send_signal, config->pidfd, SIGKILL, NULL, 0);
            kill_at = 0;
        }
        int timeout = monitor_health_timeout(&health, now);
        if (kill_at && (timeout < 0 || kill_at - now < timeout)) timeout = (int)(kill_at - now);
        int ready = poll(fds, (nfds_t)watched, timeout);
        if (ready < 0 && errno != EINTR) break;
        if (fds[1].revents && !drain(config, out, 0)) { close(out); out = -1; }
        if (fds[2].revents && !drain(config, err, 1)) { close(err); err = -1; }
        if (fds[3].revents) monitor_health_reap(&health);
        if (fds[4].revents) monitor_oom_read(&oom);
        monitor_attach_handle(fds + 5);
        if (fds[0].revents) exited = 1;
        else monitor_health_tick(&health, config, monitor_now_ms());
    }
    // Before anything else: systemd removes the cgroup once it empties (monitor_oom.c).
    monitor_oom_read(&oom);
    // What the container wrote before it ended is still in the pipes; a process it
    // left behind may hold them open, so read only what is there now.
    if (out >= 0) drain(config, out, 0);
    if (err >= 0) drain(config, err, 1);
    monitor_log_flush(config);
    int code = reap_container(config);
    if (health.pidfd >= 0) monitor_health_reap(&health);
    monitor_attach_exit(config, code);
    char text[16];
    snprintf(text, sizeof text, "%d", code);
    exec_berth(config, "--exited", text, oom.kills > 0 ? "--oom-killed" : NULL);
    return 125;
}

int main(int argc, char **argv)
{
    struct monitor_config config;
    if (monitor_config_parse(&config, argc, argv) != 0) {
        (void)!write(2, "berth monitor: bad arguments\n", 29);
        return 125;
    }
    if (config.hold) return monitor_hold(&config);
    return config.pidfd < 0 ? back_off(&config) : supervise(&config);
}
#endif
