// rtnetlink's ABI for the Swift netlink code (BerthSystem/Netlink*.swift): the
// kernel's own headers, so message types, flags and attribute numbers come from
// the kernel's definitions rather than copies; plus the one call Swift cannot
// make safely itself (a socket opened in another network namespace).
#ifndef BERTH_NETLINK_ABI_H
#define BERTH_NETLINK_ABI_H

#include <stddef.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/veth.h>

/// A NETLINK_ROUTE socket (SOCK_CLOEXEC) that lives in the network namespace
/// `netns_fd` (an fd of /proc/PID/ns/net): a netlink socket belongs to the
/// namespace it was created in, so a short-lived thread setns()es into it,
/// creates the socket and ends; the calling thread's namespace never changes.
/// Returns the fd, or -1 with errno set.
int berth_netlink_socket_in(int netns_fd);

/// Sends one rtnetlink request (a whole nlmsghdr message, `length` bytes) from a
/// child process that nobody waits for, and returns at once: deleting a link
/// waits inside the kernel for RCU callbacks (netdev_run_todo's rcu_barrier,
/// 10-25 ms here) before the request returns. The child closes every fd it
/// inherited first, so no pipe or lock of the caller's is held by it; it is
/// reaped by whoever inherits it when the caller exits. Returns 0, or -1 with
/// errno set when the child could not be made.
int berth_netlink_request_detached(const void *message, size_t length);

#endif
