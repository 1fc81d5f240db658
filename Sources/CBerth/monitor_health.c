// The health-check timer (the hook the health checks plug into): the monitor runs
// `berth healthcheck run ID` every interval and reaps it; that command records
// State.Health and acts on --health-on-failure (kill, stop, restart) itself.
#ifdef BERTH_MONITOR_IMAGE
#define _GNU_SOURCE
#include "monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

void monitor_health_init(struct monitor_health *health, const struct monitor_config *config, int64_t now_ms)
{
    health->next_ms = config->health_interval_ms > 0 ? now_ms + config->health_interval_ms : 0;
    health->pid = 0;
    health->pidfd = -1;
}

int monitor_health_timeout(const struct monitor_health *health, int64_t now_ms)
{
    if (health->next_ms == 0) return -1;
    return health->next_ms <= now_ms ? 0 : (int)(health->next_ms - now_ms);
}

void monitor_health_tick(struct monitor_health *health, const struct monitor_config *config, int64_t now_ms)
{
    if (health->next_ms == 0 || now_ms < health->next_ms) return;
    health->next_ms = now_ms + config->health_interval_ms;
    if (health->pid > 0) return;
    char *argv[] = {(char *)config->berth, "--root", (char *)config->root, "--runroot", (char *)config->runroot,
                    "healthcheck", "run", (char *)config->id, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd = 0; fd <= 2; fd++) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
    pid_t pid;
    if (posix_spawn(&pid, config->berth, &actions, NULL, argv, environ) == 0) {
        health->pid = pid;
        health->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    posix_spawn_file_actions_destroy(&actions);
}

void monitor_health_reap(struct monitor_health *health)
{
    if (health->pid <= 0) return;
    siginfo_t info;
    if (health->pidfd >= 0) {
        (void)waitid(P_PIDFD, (id_t)health->pidfd, &info, WEXITED);
        close(health->pidfd);
    } else {
        (void)waitid(P_PID, (id_t)health->pid, &info, WEXITED);
    }
    health->pid = 0;
    health->pidfd = -1;
}
#endif
