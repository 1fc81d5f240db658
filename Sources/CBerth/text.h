// Bounded, async-signal-safe text for the child path: copies into caller-given
// stack buffers, never malloc, never stdio (the child runs after clone in a
// copy of a multi-threaded process).
#ifndef BERTH_TEXT_H
#define BERTH_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct text {
    char *buf;
    size_t cap;
    size_t len;
};

void text_init(struct text *t, char *buf, size_t cap);
/// Appends at most n bytes of s (stops at NUL; NULL appends nothing); false
/// when the buffer was too small (what fitted stays, NUL-terminated).
bool text_add_n(struct text *t, const char *s, size_t n);
bool text_add(struct text *t, const char *s);
bool text_add_number(struct text *t, unsigned long value);
bool text_equal(const char *a, const char *b);
bool text_has_slash(const char *s);
size_t text_length(const char *s);

/// "/proc/self/fd/N": mount(2) and friends follow this magic link to the inode
/// the O_PATH fd holds, so the path is not walked again.
const char *text_fd_path(char buf[32], int fd);

#endif
