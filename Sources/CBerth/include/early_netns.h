// A container's network namespace made before the container itself (pasta's,
// Sources/BerthEngine/PastaEarlyNetns.swift): pasta sets it up while berth
// prepares the container, which then joins it (launch.h join_netns).
#ifndef BERTH_EARLY_NETNS_H
#define BERTH_EARLY_NETNS_H

/// A new network namespace owned by the user namespace open on `userns` (-1:
/// the caller's; else made in a forked child that joins it), with lo up and
/// net.ipv4.ping_group_range set to `ping_group_range` (NULL: left alone), as
/// the child path does for a namespace it makes (child.c step 6). Made on a
/// thread of its own, so no thread of berth's changes namespace. Returns an
/// O_RDONLY|O_CLOEXEC fd of it, or -1 with errno set (and *step naming what failed).
int berth_new_netns(int userns, const char *ping_group_range, const char **step);

#endif
