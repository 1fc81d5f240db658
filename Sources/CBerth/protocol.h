// The child path's one message format (design.md §2). Every message on the
// SOCK_SEQPACKET|SOCK_CLOEXEC socketpair between berth and a process it cloned
// is one fixed-size proto_record, told apart by its tag alone:
//
//   parent -> child         PROTO_RELEASE  id maps written (no barrier: cgroup made): go on
//   intermediate -> parent  PROTO_PID      the container process is forked: its pid
//   child -> parent         PROTO_FAILURE  `stage` failed with `error`; `detail`
//                                          names the object (mount target, path, id)
//   child -> parent         PROTO_AT_BARRIER  rootfs done: waiting for the cgroup, network
//   parent -> child         PROTO_PASS_BARRIER cgroup made, network configured: join, exec
//                           (both only with plan->barrier)
//
// A successful exec sends nothing: the socket is close-on-exec, so the parent
// reads EOF. The functions are named for the intent of each side; the child
// side only calls send/recv (async-signal-safe).
#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum proto_tag {
    // Not 0: an all-zero record (a short or garbage message) is never valid.
    PROTO_RELEASE = 0x62720001,
    PROTO_PID = 0x62720002,
    PROTO_FAILURE = 0x62720003,
    PROTO_AT_BARRIER = 0x62720004,
    PROTO_PASS_BARRIER = 0x62720005,
};

#define PROTO_DETAIL_SIZE 240

struct proto_record {
    int32_t tag;    // enum proto_tag
    int32_t stage;  // PROTO_FAILURE: enum berth_launch_stage
    int32_t error;  // PROTO_FAILURE: errno
    int32_t pid;    // PROTO_PID: the pid as the receiving parent sees it
    char detail[PROTO_DETAIL_SIZE]; // PROTO_FAILURE: NUL-terminated, truncated
};

/// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): [0] the parent's end,
/// [1] the child's. 0 or -1 with errno.
int proto_open_channel(int ends[2]);

// --- the child's side (async-signal-safe) ---------------------------------

/// Blocks until the parent's PROTO_RELEASE. False on EOF (the parent died or
/// gave up) or on anything else: the caller exits without telling anyone.
bool proto_wait_release(int fd);

/// Sends {PROTO_FAILURE, stage, error, detail}. Best effort: a parent that is
/// gone still sees the exit status.
void proto_report_failure(int fd, int stage, int error, const char *detail);

/// Sends {PROTO_PID, pid}. 0 or -1 with errno.
int proto_report_pid(int fd, pid_t pid);

/// Sends PROTO_AT_BARRIER and blocks until PROTO_PASS_BARRIER. False as
/// proto_wait_release.
bool proto_wait_at_barrier(int fd);

// --- the parent's side ------------------------------------------------------

/// Sends PROTO_RELEASE. 0, also when the child is gone already (its failure
/// report, if any, is still queued); -1 with errno otherwise.
int proto_release(int fd);

/// Waits for the intermediate's one message, watching its pidfd (-1: none, the
/// EOF is trusted) so that an intermediate that dies without a word cannot hang
/// the caller while the container process it forked holds the socket.
///   1: a PROTO_PID, consumed, the pid in *pid;
///   0: a PROTO_FAILURE, left queued for proto_wait_exec;
///  -1: errno ECHILD (it died silently), EBADMSG (not a valid record), other.
int proto_wait_pid(int fd, int intermediate_pidfd, pid_t *pid);

/// Waits for the child's PROTO_AT_BARRIER: 1 consumed; 0 a PROTO_FAILURE
/// (left queued for proto_wait_exec) or EOF; -1 with errno (EBADMSG).
int proto_wait_barrier(int fd);

/// Sends PROTO_PASS_BARRIER: as proto_release.
int proto_pass_barrier(int fd);

/// Waits for the exec: 0 on EOF (exec'd, or died without a report), 1 with a
/// PROTO_FAILURE in *failure, -1 with errno (EBADMSG: not a valid record).
int proto_wait_exec(int fd, struct proto_record *failure);

#endif
