// rtnetlink's ABI for the Swift netlink code (BerthSystem/Netlink*.swift): the
// kernel's own headers, so message types, flags and attribute numbers come from
// the kernel's definitions rather than copies; plus the one call Swift cannot
// make safely itself (a socket opened in another network namespace).
#ifndef BERTH_NETLINK_ABI_H
#define BERTH_NETLINK_ABI_H

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

#endif
