// berth_new_netns (early_netns.h): unshare(CLONE_NEWNET) is per thread, so a
// short-lived thread makes the namespace, prepares it and hands back an fd of
// it; the thread ends right after and the fd keeps the namespace alive.
#define _GNU_SOURCE
#include "early_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct early_netns_job {
    const char *ping_group_range;
    int fd;
    int error;
    const char *step;
};

static int fail(struct early_netns_job *job, const char *step)
{
    job->error = errno;
    job->step = step;
    return -1;
}

static int loopback_up(struct early_netns_job *job)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return fail(job, "socket for lo");
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strcpy(request.ifr_name, "lo");
    int rc = ioctl(sock, SIOCGIFFLAGS, &request);
    if (rc == 0) {
        request.ifr_flags |= IFF_UP;
        rc = ioctl(sock, SIOCSIFFLAGS, &request);
    }
    if (rc < 0)
        fail(job, "bring lo up");
    close(sock);
    return rc;
}

static int write_ping_group_range(struct early_netns_job *job)
{
    if (job->ping_group_range == NULL)
        return 0;
    // /proc/sys/net is the calling thread's namespace's.
    int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(job, "open net.ipv4.ping_group_range");
    size_t len = strlen(job->ping_group_range);
    ssize_t n;
    do {
        n = write(fd, job->ping_group_range, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != len) {
        if (n >= 0)
            errno = EIO;
        fail(job, "write net.ipv4.ping_group_range");
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static void *early_netns_thread(void *arg)
{
    struct early_netns_job *job = arg;
    if (unshare(CLONE_NEWNET) < 0) {
        fail(job, "unshare(CLONE_NEWNET)");
        return NULL;
    }
    if (loopback_up(job) < 0 || write_ping_group_range(job) < 0)
        return NULL;
    job->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (job->fd < 0)
        fail(job, "open /proc/thread-self/ns/net");
    return NULL;
}

/// In a forked child, single-threaded, which may join a user namespace (a
/// multi-threaded process may not): the namespace is made there and its fd
/// sent back over `sock`, or an errno and the index of the failed step.
static const char *const child_steps[] = { "", "setns(CLONE_NEWUSER)", "unshare(CLONE_NEWNET)", "socket for lo",
                                           "bring lo up", "open net.ipv4.ping_group_range",
                                           "write net.ipv4.ping_group_range", "open /proc/thread-self/ns/net" };

static int step_index(const char *step)
{
    for (int i = 1; i < (int)(sizeof child_steps / sizeof child_steps[0]); i++)
        if (strcmp(step, child_steps[i]) == 0)
            return i;
    return 0;
}

static void netns_child(int userns, int sock, const char *ping_group_range)
{
    struct early_netns_job job = { .ping_group_range = ping_group_range, .fd = -1, .error = 0, .step = "" };
    if (setns(userns, CLONE_NEWUSER) < 0)
        fail(&job, child_steps[1]);
    else
        early_netns_thread(&job);
    int report[2] = { job.error, step_index(job.step) };
    struct iovec data = { .iov_base = report, .iov_len = sizeof report };
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1 };
    if (job.fd >= 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = sizeof control.buffer;
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &job.fd, sizeof(int));
    }
    _exit(sendmsg(sock, &message, 0) < 0 ? 1 : 0);
}

static int new_netns_in_userns(int userns, const char *ping_group_range, const char **step)
{
    int socks[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
        *step = "socketpair";
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int error = errno;
        close(socks[0]);
        close(socks[1]);
        *step = "fork";
        errno = error;
        return -1;
    }
    if (pid == 0) {
        close(socks[0]);
        netns_child(userns, socks[1], ping_group_range);
    }
    close(socks[1]);
    int report[2] = { EIO, 0 };
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec data = { .iov_base = report, .iov_len = sizeof report };
    struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1, .msg_control = control.buffer,
                              .msg_controllen = sizeof control.buffer };
    ssize_t n;
    do {
        n = recvmsg(socks[0], &message, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    int error = n < 0 ? errno : 0;
    close(socks[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    int fd = -1;
    struct cmsghdr *header = n > 0 ? CMSG_FIRSTHDR(&message) : NULL;
    if (header != NULL && header->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(header), sizeof(int));
    if (fd >= 0)
        return fd;
    *step = n <= 0 ? "receive the namespace" : child_steps[report[1] < 8 && report[1] >= 0 ? report[1] : 0];
    errno = n < 0 ? error : (n == 0 ? EIO : report[0]);
    return -1;
}

int berth_new_netns(int userns, const char *ping_group_range, const char **step)
{
    if (userns >= 0)
        return new_netns_in_userns(userns, ping_group_range, step);
    struct early_netns_job job = { .ping_group_range = ping_group_range, .fd = -1, .error = 0, .step = "" };
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, early_netns_thread, &job);
    if (rc != 0) {
        errno = rc;
        *step = "pthread_create";
        return -1;
    }
    pthread_join(thread, NULL);
    *step = job.step;
    if (job.fd < 0)
        errno = job.error;
    return job.fd;
}
