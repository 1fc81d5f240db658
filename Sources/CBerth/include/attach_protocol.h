// The attach socket's protocol, shared by the C monitor (monitor_attach.c) and
// berth's client side (AttachSocket.swift, AttachRelay.swift). The socket is
// SOCK_SEQPACKET, so every message arrives whole: one type byte, then the body.
// The monitor serves it at RUNROOT/containers/ID/attach (conmon's `attach`).
#ifndef BERTH_ATTACH_PROTOCOL_H
#define BERTH_ATTACH_PROTOCOL_H

enum berth_attach_message {
    // client -> monitor
    BERTH_ATTACH_INPUT = 'i',       // bytes for the container's stdin (or its terminal)
    BERTH_ATTACH_RESIZE = 'w',      // 4 bytes: rows, columns (uint16, host order)
    BERTH_ATTACH_CLOSE_INPUT = 'c', // the client's input ended: EOF on the pipe, ^D on a terminal
    // monitor -> client
    BERTH_ATTACH_STDOUT = 'o',      // what the container wrote on stdout (on a terminal: all of it)
    BERTH_ATTACH_STDERR = 'e',      // what it wrote on stderr
    BERTH_ATTACH_EXIT = 'x',        // the container exited: its exit code as decimal text
};

/// The largest body of one message: a message is at most this plus its type byte.
#define BERTH_ATTACH_MAX_BODY 16384

/// The socket's name in the container's runtime directory.
#define BERTH_ATTACH_SOCKET_NAME "attach"

#endif
