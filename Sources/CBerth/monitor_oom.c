// OOM kills of a detached container under the systemd manager: systemd removes the
// scope's cgroup as soon as it empties, before the monitor reaps the container, and
// memory.events cannot be read after that (ENODEV). The kernel notifies POLLPRI on every
// change of the file, the OOM kill among them, while the killed process is still dying,
// so the monitor polls it beside the container's pidfd and keeps the largest oom_kill
// it read (MemoryEventsWatch.swift is the same for a foreground run).
#ifdef BERTH_MONITOR_IMAGE
#define _GNU_SOURCE
#include "monitor.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void monitor_oom_init(struct monitor_oom *oom, const struct monitor_config *config)
{
    oom->fd = config->oom_events;
    oom->kills = config->oom_kills > 0 ? (uint64_t)config->oom_kills : 0;
    // Nothing the monitor starts (a health check, berth recording the exit) keeps it.
    if (oom->fd >= 0) (void)fcntl(oom->fd, F_SETFD, FD_CLOEXEC);
    monitor_oom_read(oom);
}

void monitor_oom_read(struct monitor_oom *oom)
{
    if (oom->fd < 0) return;
    char text[512];
    ssize_t n = pread(oom->fd, text, sizeof text - 1, 0);
    if (n <= 0) {
        // The cgroup is gone (POLLERR|POLLPRI from now on): keep what was read.
        close(oom->fd);
        oom->fd = -1;
        return;
    }
    text[n] = '\0';
    for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, "oom_kill ", 9) != 0) continue;
        unsigned long long kills = strtoull(line + 9, NULL, 10);
        if (kills > oom->kills) oom->kills = kills;
    }
}

int monitor_oom_pollfd(const struct monitor_oom *oom, struct pollfd *slot)
{
    slot->fd = oom->fd;
    slot->events = POLLPRI;
    slot->revents = 0;
    return 1;
}
#endif
