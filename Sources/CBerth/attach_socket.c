// Unix sockets named by a directory fd and a name (the attach socket; slirp4netns's
// API socket is connected here too): the attach socket lives in the
// container's runtime directory, whose path can be longer than sun_path's 108
// bytes (a runroot under /tmp and a 64-hex ID already are), so the path handed to
// bind and connect is /proc/self/fd/DIRFD/NAME, which always fits (conmon's way).
#define _GNU_SOURCE
#include "include/cberth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int socket_address(struct sockaddr_un *address, int directory, const char *name)
{
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    int length = snprintf(address->sun_path, sizeof address->sun_path, "/proc/self/fd/%d/%s", directory, name);
    if (length < 0 || (size_t)length >= sizeof address->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int berth_seqpacket_listen_at(int directory, const char *name)
{
    struct sockaddr_un address;
    if (socket_address(&address, directory, name) < 0)
        return -1;
    if (unlinkat(directory, name, 0) < 0 && errno != ENOENT)
        return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, 8) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// Connects a new socket of `type` to `name` beneath `directory`.
static int connect_at(int directory, const char *name, int type)
{
    struct sockaddr_un address;
    if (socket_address(&address, directory, name) < 0)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int berth_seqpacket_connect_at(int directory, const char *name)
{
    return connect_at(directory, name, SOCK_SEQPACKET);
}

int berth_stream_connect_at(int directory, const char *name)
{
    return connect_at(directory, name, SOCK_STREAM);
}

int berth_seqpacket_pair(int fds[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
}
