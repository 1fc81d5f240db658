// The k8s-file writer (include/k8s_log.h). Compiled into CBerth and, by
// Plugins/MonitorImage, into the C monitor's image; so it uses libc calls that
// take no locks and allocate nothing.
#include "include/k8s_log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

int k8s_log_init(struct k8s_log *log, int fd, int64_t max_size)
{
    log->fd = fd;
    log->max_size = max_size > 0 ? max_size : 0;
    log->size = 0;
    if (fd < 0) return 0;
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    log->size = st.st_size;
    return 0;
}

static void put_digits(char *at, long value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        at[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

/// "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ " and the stream: days to a civil date by
/// Howard Hinnant's algorithm, so no gmtime (and no time zone files) is needed.
static size_t record_prefix(char *out, const struct timespec *now, int is_stderr, char tag)
{
    int64_t days = now->tv_sec / 86400, seconds = now->tv_sec % 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    memcpy(out, "0000-00-00T00:00:00.000000000Z ", 31);
    put_digits(out, (long)year, 4);
    put_digits(out + 5, (long)month, 2);
    put_digits(out + 8, (long)day, 2);
    put_digits(out + 11, (long)(seconds / 3600), 2);
    put_digits(out + 14, (long)(seconds / 60 % 60), 2);
    put_digits(out + 17, (long)(seconds % 60), 2);
    put_digits(out + 20, now->tv_nsec, 9);
    const char *stream = is_stderr ? "stderr " : "stdout ";
    memcpy(out + 31, stream, 7);
    out[38] = tag;
    out[39] = ' ';
    return 40;
}

/// One writev per record, so records of the two streams never interleave mid-line.
static void write_all(int fd, struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
}

void k8s_log_write(struct k8s_log *log, int is_stderr, const char *bytes, size_t length)
{
    if (log->fd < 0 || length == 0) return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    while (length > 0) {
        const char *newline = memchr(bytes, '\n', length);
        size_t line = newline ? (size_t)(newline - bytes) : length;
        char prefix[40];
        size_t prefix_length = record_prefix(prefix, &now, is_stderr, newline ? 'F' : 'P');
        int64_t record = (int64_t)(prefix_length + line + 1);
        if (log->max_size > 0 && log->size > 0 && log->size + record > log->max_size) {
            // O_APPEND: the next write lands at the new end, offset 0.
            if (ftruncate(log->fd, 0) == 0) log->size = 0;
        }
        struct iovec iov[3] = {{prefix, prefix_length}, {(void *)bytes, line}, {"\n", 1}};
        write_all(log->fd, iov, 3);
        log->size += record;
        bytes += newline ? line + 1 : line;
        length -= newline ? line + 1 : line;
    }
}

/// Writes all of `bytes` to `fd`; 0 once the reader has gone, so the caller stops.
static int pass_on(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        bytes += n;
        length -= (size_t)n;
    }
    return 1;
}

void k8s_log_relay(struct k8s_log *log, int out_pipe, int err_pipe, int out_fd, int err_fd)
{
    sigset_t pipe_signal, saved;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &saved);
    struct pollfd fds[2] = {{out_pipe, POLLIN, 0}, {err_pipe, POLLIN, 0}};
    int targets[2] = {out_fd, err_fd};
    char buffer[16384];
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                fds[i].fd = -1;  // the caller closes the pipe
                continue;
            }
            if (targets[i] >= 0 && !pass_on(targets[i], buffer, (size_t)n)) targets[i] = -1;
            k8s_log_write(log, i, buffer, (size_t)n);
        }
    }
    // A SIGPIPE a write raised stays pending while blocked: take it, then restore the mask.
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_signal, NULL, &zero) > 0) {}
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}
