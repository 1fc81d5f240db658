// The child path's one message format (protocol.h): send and receive, each
// named for what the message means.
#define _GNU_SOURCE
#include "protocol.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "text.h"

int proto_open_channel(int ends[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends);
}

/// One whole record; EPIPE instead of SIGPIPE when the peer is gone.
static int send_record(int fd, const struct proto_record *record)
{
    ssize_t n;
    do {
        n = send(fd, record, sizeof *record, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof *record)
        return 0;
    if (n >= 0)
        errno = EIO;
    return -1;
}

/// Receives (or with MSG_PEEK looks at) one message: 1 with a valid record,
/// 0 on EOF, -1 with errno (EBADMSG: wrong size or unknown tag).
static int receive_record(int fd, struct proto_record *record, int flags)
{
    ssize_t n;
    do {
        n = recv(fd, record, sizeof *record, flags);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0;
    if (n < 0)
        return -1;
    bool known = record->tag == PROTO_RELEASE || record->tag == PROTO_PID || record->tag == PROTO_FAILURE
        || record->tag == PROTO_AT_BARRIER || record->tag == PROTO_PASS_BARRIER;
    if (n != (ssize_t)sizeof *record || !known) {
        errno = EBADMSG;
        return -1;
    }
    record->detail[PROTO_DETAIL_SIZE - 1] = 0;
    return 1;
}

bool proto_wait_release(int fd)
{
    struct proto_record record;
    return receive_record(fd, &record, 0) == 1 && record.tag == PROTO_RELEASE;
}

void proto_report_failure(int fd, int stage, int error, const char *detail)
{
    struct proto_record record = { .tag = PROTO_FAILURE, .stage = stage, .error = error };
    struct text t;
    text_init(&t, record.detail, sizeof record.detail);
    text_add(&t, detail);
    (void)send_record(fd, &record);
}

int proto_report_pid(int fd, pid_t pid)
{
    struct proto_record record = { .tag = PROTO_PID, .pid = pid };
    return send_record(fd, &record);
}

bool proto_wait_at_barrier(int fd)
{
    struct proto_record record = { .tag = PROTO_AT_BARRIER };
    if (send_record(fd, &record) < 0)
        return false;
    return receive_record(fd, &record, 0) == 1 && record.tag == PROTO_PASS_BARRIER;
}

/// Sends a parent -> child record (`tag`): 0 also when the child is gone.
static int send_to_child(int fd, int32_t tag)
{
    struct proto_record record = { .tag = tag };
    if (send_record(fd, &record) == 0)
        return 0;
    // The child is gone already: proto_wait_exec returns its report, if any.
    if (errno == EPIPE || errno == ECONNRESET)
        return 0;
    return -1;
}

/// Looks at the next message without taking it, watching `pidfd`: once the
/// process it names has exited, whatever it sent is queued, so one more look
/// settles it (ECHILD when there is nothing).
static int peek_watching(int fd, int pidfd, struct proto_record *record)
{
    bool exited = false;
    for (;;) {
        int r = receive_record(fd, record, MSG_PEEK | MSG_DONTWAIT);
        if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return r;
        if (exited) {
            errno = ECHILD;
            return -1;
        }
        if (pidfd < 0) // no pidfd: the EOF is all there is
            return receive_record(fd, record, MSG_PEEK);
        struct pollfd fds[2] = { { .fd = fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
        int n = poll(fds, 2, -1);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            exited = true;
    }
}

int proto_release(int fd)
{
    return send_to_child(fd, PROTO_RELEASE);
}

int proto_pass_barrier(int fd)
{
    return send_to_child(fd, PROTO_PASS_BARRIER);
}

int proto_wait_barrier(int fd)
{
    struct proto_record record;
    int r = receive_record(fd, &record, MSG_PEEK);
    if (r <= 0)
        return r < 0 && errno == ECONNRESET ? 0 : r; // EOF, ECONNRESET: it died
    if (record.tag == PROTO_FAILURE)
        return 0;
    if (record.tag != PROTO_AT_BARRIER) {
        errno = EBADMSG;
        return -1;
    }
    return receive_record(fd, &record, 0) == 1 ? 1 : -1; // take what was peeked
}

int proto_wait_pid(int fd, int intermediate_pidfd, pid_t *pid)
{
    struct proto_record record;
    int r = peek_watching(fd, intermediate_pidfd, &record);
    if (r == 0) {
        errno = ECHILD; // EOF: it died, and no container process holds the socket
        return -1;
    }
    if (r < 0)
        return -1;
    if (record.tag == PROTO_FAILURE)
        return 0;
    if (record.tag != PROTO_PID || record.pid <= 0) {
        errno = EBADMSG;
        return -1;
    }
    if (receive_record(fd, &record, 0) != 1) // take what was peeked
        return -1;
    *pid = record.pid;
    return 1;
}

int proto_wait_exec(int fd, struct proto_record *failure)
{
    int r = receive_record(fd, failure, 0);
    if (r == 0)
        return 0;
    if (r < 0)
        return errno == ECONNRESET ? 0 : -1; // ECONNRESET: it died with the release unread
    if (failure->tag != PROTO_FAILURE) {
        errno = EBADMSG;
        return -1;
    }
    return 1;
}
