// berth_netlink_socket_in (netlink_abi.h): a netlink socket in another network
// namespace, made on a thread of its own so berth's threads stay where they are.
// setns(CLONE_NEWNET) is per thread and allowed in a multi-threaded process; the
// thread ends right after, so nothing else ever runs in the container's namespace.
#define _GNU_SOURCE
#include "netlink_abi.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>

struct netns_socket_job {
    int netns_fd;
    int result;
    int error;
};

static void *netns_socket_thread(void *arg)
{
    struct netns_socket_job *job = arg;
    if (setns(job->netns_fd, CLONE_NEWNET) < 0) {
        job->error = errno;
        return NULL;
    }
    job->result = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (job->result < 0)
        job->error = errno;
    return NULL;
}

int berth_netlink_socket_in(int netns_fd)
{
    struct netns_socket_job job = { .netns_fd = netns_fd, .result = -1, .error = 0 };
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, netns_socket_thread, &job);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    pthread_join(thread, NULL);
    if (job.result < 0)
        errno = job.error;
    return job.result;
}
