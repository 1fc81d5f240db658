// The monitor's command line: KEY=VALUE words written by the Swift half
// (Engine.execMonitorImage), read here without allocation.
#ifdef BERTH_MONITOR_IMAGE
#include "monitor.h"

#include <stdlib.h>
#include <string.h>

static const char *value_of(const char *word, const char *key)
{
    size_t length = strlen(key);
    return strncmp(word, key, length) == 0 && word[length] == '=' ? word + length + 1 : NULL;
}

static int64_t number(const char *text)
{
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    return end && *end == '\0' && end != text ? value : -1;
}

int monitor_config_parse(struct monitor_config *config, int argc, char **argv)
{
    memset(config, 0, sizeof *config);
    config->pidfd = config->out = config->err = config->log = -1;
    config->in = config->attach = config->client = -1;
    config->oom_events = -1;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i], *v;
        if ((v = value_of(word, "berth"))) config->berth = v;
        else if ((v = value_of(word, "root"))) config->root = v;
        else if ((v = value_of(word, "runroot"))) config->runroot = v;
        else if ((v = value_of(word, "id"))) config->id = v;
        else if ((v = value_of(word, "pid"))) config->pid = (pid_t)number(v);
        else if ((v = value_of(word, "pidfd"))) config->pidfd = (int)number(v);
        else if ((v = value_of(word, "out"))) config->out = (int)number(v);
        else if ((v = value_of(word, "err"))) config->err = (int)number(v);
        else if ((v = value_of(word, "log"))) config->log = (int)number(v);
        else if ((v = value_of(word, "log-max-size"))) config->log_max_size = number(v);
        else if ((v = value_of(word, "sleep-ms"))) config->sleep_ms = number(v);
        else if ((v = value_of(word, "health-interval-ms"))) config->health_interval_ms = number(v);
        else if ((v = value_of(word, "timeout-ms"))) config->timeout_ms = number(v);
        else if ((v = value_of(word, "tty"))) config->tty = (int)number(v);
        else if ((v = value_of(word, "in"))) config->in = (int)number(v);
        else if ((v = value_of(word, "attach"))) config->attach = (int)number(v);
        else if ((v = value_of(word, "client"))) config->client = (int)number(v);
        else if ((v = value_of(word, "hold"))) config->hold = (int)number(v);
        else if ((v = value_of(word, "oom-events"))) config->oom_events = (int)number(v);
        else if ((v = value_of(word, "oom-kills"))) config->oom_kills = number(v);
        else return -1;
    }
    if (!config->berth || !config->root || !config->runroot || !config->id) return -1;
    if (config->pidfd < 0 && config->sleep_ms <= 0) return -1;
    return config->sleep_ms < 0 || config->log_max_size < 0 || config->health_interval_ms < 0 || config->timeout_ms < 0 ? -1 : 0;
}
#endif
