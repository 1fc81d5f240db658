// Bounded, async-signal-safe text for the child path (text.h).
#include "text.h"

void text_init(struct text *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    buf[0] = 0;
}

bool text_add_n(struct text *t, const char *s, size_t n)
{
    if (s == NULL)
        return true;
    for (size_t i = 0; i < n && s[i] != 0; i++) {
        if (t->len + 1 >= t->cap) {
            t->buf[t->len] = 0;
            return false;
        }
        t->buf[t->len++] = s[i];
    }
    t->buf[t->len] = 0;
    return true;
}

bool text_add(struct text *t, const char *s)
{
    return text_add_n(t, s, (size_t)-1);
}

bool text_add_number(struct text *t, unsigned long value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    char out[24];
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return text_add_n(t, out, n);
}

bool text_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

bool text_has_slash(const char *s)
{
    for (; *s != 0; s++)
        if (*s == '/')
            return true;
    return false;
}

size_t text_length(const char *s)
{
    size_t len = 0;
    while (s[len] != 0)
        len++;
    return len;
}

const char *text_fd_path(char buf[32], int fd)
{
    struct text t;
    text_init(&t, buf, 32);
    text_add(&t, "/proc/self/fd/");
    text_add_number(&t, (unsigned long)fd);
    return buf;
}
