// Paths beneath the container's root, resolved by the kernel and created as
// needed: no symlink in the image, planted or raced, can lead outside.
#ifndef BERTH_ROOTFS_PATHS_H
#define BERTH_ROOTFS_PATHS_H

enum node_kind { NODE_DIRECTORY, NODE_FILE };

/// An O_PATH fd of `path` resolved inside the root `dirfd` (absolute symlinks
/// and ".." stay beneath it; magic links such as /proc/self/root are refused).
int open_beneath(int dirfd, const char *path, int flags);

/// O_PATH fd of `path` beneath `root`, creating missing directories and the
/// last component as `kind` (a dangling symlink is followed inside the root
/// and its target created). -1 with errno on failure.
int open_in_root(int root, const char *path, enum node_kind kind);

#endif
