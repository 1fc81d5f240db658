// Joining the rootless pause process's user namespace before Swift starts
// (userns_join.c): the environment variable that asks for it.
#ifndef CBERTH_USERNS_JOIN_H
#define CBERTH_USERNS_JOIN_H

/// "BERTH_JOIN_USERNS_FD": a berth started with it set to N joins the user
/// namespace open on fd N (not close-on-exec) in a constructor, before main.
extern const char *const BERTH_JOIN_USERNS_ENV;

#endif
