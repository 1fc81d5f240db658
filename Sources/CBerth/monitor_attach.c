// The monitor's attach socket (conmon's `attach`): `berth attach`, `run -it` and
// `start -ai` connect to it. Everything the container writes goes to every
// connected client as well as to the log; what a client sends goes to the
// container's terminal (or its stdin pipe), and a client's window size becomes
// the terminal's. A client that goes away is dropped; the container runs on.
// Protocol: include/attach_protocol.h.
#ifdef BERTH_MONITOR_IMAGE
#define _GNU_SOURCE
#include "monitor.h"
#include "include/attach_protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CLIENTS 8

static struct {
    int listener;              // the bound, listening socket; -1: none
    int terminal;              // a copy of the pty master (tty containers); -1: none
    int input;                 // the write end of the container's stdin pipe (-i without -t); -1: none
    int clients[MAX_CLIENTS];  // connected clients; -1: a free slot
} attach = {-1, -1, -1, {-1, -1, -1, -1, -1, -1, -1, -1}};

static void add_client(int fd)
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (attach.clients[i] < 0) {
            attach.clients[i] = fd;
            return;
        }
    }
    close(fd);  // full: the client sees the socket close at once
}

static void drop_client(int slot)
{
    close(attach.clients[slot]);
    attach.clients[slot] = -1;
}

void monitor_attach_init(const struct monitor_config *config)
{
    attach.listener = config->attach;
    if (config->tty && config->out >= 0) attach.terminal = fcntl(config->out, F_DUPFD_CLOEXEC, 3);
    attach.input = config->in;
    if (config->client >= 0) add_client(config->client);
    int fds[] = {attach.listener, attach.input, config->client};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (fds[i] >= 0) (void)fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    if (attach.input >= 0) (void)fcntl(attach.input, F_SETFL, fcntl(attach.input, F_GETFL) | O_NONBLOCK);
}

int monitor_attach_pollfds(struct pollfd *fds)
{
    int count = 0;
    fds[count++] = (struct pollfd){attach.listener, POLLIN, 0};
    for (int i = 0; i < MAX_CLIENTS; i++) fds[count++] = (struct pollfd){attach.clients[i], POLLIN, 0};
    return count;
}

/// Writes what a client typed; a full pipe or terminal drops the rest rather than
/// stall the monitor (and with it the log) behind a container that reads nothing.
static void write_input(const char *bytes, size_t length)
{
    int fd = attach.terminal >= 0 ? attach.terminal : attach.input;
    while (fd >= 0 && length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        bytes += n;
        length -= (size_t)n;
    }
}

static void handle_message(const char *message, size_t length)
{
    if (length == 0) return;
    switch (message[0]) {
    case BERTH_ATTACH_INPUT:
        write_input(message + 1, length - 1);
        break;
    case BERTH_ATTACH_RESIZE:
        if (attach.terminal >= 0 && length == 5) {
            uint16_t size[2];
            memcpy(size, message + 1, sizeof size);
            struct winsize ws = {.ws_row = size[0], .ws_col = size[1]};
            (void)ioctl(attach.terminal, TIOCSWINSZ, &ws);
        }
        break;
    case BERTH_ATTACH_CLOSE_INPUT:
        if (attach.terminal >= 0) {
            // The terminal's EOF character: what a user's ^D would send.
            struct termios t;
            char eof = tcgetattr(attach.terminal, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
            write_input(&eof, 1);
        } else if (attach.input >= 0) {
            close(attach.input);
            attach.input = -1;
        }
        break;
    }
}

void monitor_attach_handle(const struct pollfd *fds)
{
    if (fds[0].revents & POLLIN) {
        int client = accept4(attach.listener, NULL, NULL, SOCK_CLOEXEC);
        if (client >= 0) add_client(client);
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (attach.clients[i] < 0 || fds[1 + i].revents == 0 || fds[1 + i].fd != attach.clients[i]) continue;
        char message[BERTH_ATTACH_MAX_BODY + 1];
        ssize_t n = recv(attach.clients[i], message, sizeof message, MSG_DONTWAIT);
        if (n > 0) handle_message(message, (size_t)n);
        else if (n == 0 || (errno != EINTR && errno != EAGAIN)) drop_client(i);
    }
}

static void broadcast(char type, const char *bytes, size_t length)
{
    char message[BERTH_ATTACH_MAX_BODY + 1];
    while (length > 0) {
        size_t chunk = length < BERTH_ATTACH_MAX_BODY ? length : BERTH_ATTACH_MAX_BODY;
        message[0] = type;
        memcpy(message + 1, bytes, chunk);
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (attach.clients[i] < 0) continue;
            // A client that cannot keep up within the socket's buffer misses output
            // (the log has it all); one that has gone is dropped.
            if (send(attach.clients[i], message, chunk + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) drop_client(i);
        }
        bytes += chunk;
        length -= chunk;
    }
}

void monitor_attach_output(int is_stderr, const char *bytes, size_t length)
{
    broadcast(is_stderr ? BERTH_ATTACH_STDERR : BERTH_ATTACH_STDOUT, bytes, length);
}

int monitor_hold(const struct monitor_config *config)
{
    // `exec -it` after a detach: the exec'd process keeps its terminal (a closed
    // master would hang it up) and what it writes is read and dropped, as nobody
    // can attach to an exec session again; the holder ends with the process.
    int terminal = config->out;
    char buffer[4096];
    for (;;) {
        struct pollfd fds[2] = {{config->pidfd, POLLIN, 0}, {terminal, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR) return 0;
        if (fds[0].revents) return 0;
        if (fds[1].revents) {
            ssize_t n = read(terminal, buffer, sizeof buffer);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) terminal = -1;
        }
    }
}

void monitor_attach_exit(const struct monitor_config *config, int code)
{
    char text[16];
    int length = snprintf(text, sizeof text, "%d", code);
    if (length > 0) broadcast(BERTH_ATTACH_EXIT, text, (size_t)length);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (attach.clients[i] >= 0) drop_client(i);
    }
    if (attach.listener >= 0) {
        // Gone with the process it served: `attach` to a stopped container finds no socket.
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/containers/%s/%s", config->runroot, config->id, BERTH_ATTACH_SOCKET_NAME) < (int)sizeof path)
            (void)unlink(path);
        close(attach.listener);
        attach.listener = -1;
    }
}
#endif
