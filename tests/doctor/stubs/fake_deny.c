/* LD_PRELOAD stub: open() of the paths in FAKE_DENY_OPEN (colon-separated) fails with
 * FAKE_DENY_ERRNO (13 EACCES: file permissions; 1 EPERM: a cgroup device rule), the way a
 * device node the user may not open fails, even when the tests run as root. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int denied(const char *path) {
    const char *list = getenv("FAKE_DENY_OPEN");
    size_t len = strlen(path);
    while (list && *list) {
        const char *end = strchr(list, ':');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (n == len && strncmp(list, path, n) == 0) {
            const char *e = getenv("FAKE_DENY_ERRNO");
            errno = (e && *e) ? atoi(e) : EACCES;
            return 1;
        }
        if (!end) break;
        list = end + 1;
    }
    return 0;
}

#define FORWARD(name, ...)                                                    \
    static int (*real)(__VA_ARGS__);                                          \
    if (!real) real = (int (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name);

int open(const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    if (denied(path)) return -1;
    FORWARD("open", const char *, int, ...)
    return real(path, flags, mode);
}
int open64(const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    if (denied(path)) return -1;
    FORWARD("open64", const char *, int, ...)
    return real(path, flags, mode);
}
int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    if (denied(path)) return -1;
    FORWARD("openat", int, const char *, int, ...)
    return real(dirfd, path, flags, mode);
}
int openat64(int dirfd, const char *path, int flags, ...) {
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);
    if (denied(path)) return -1;
    FORWARD("openat64", int, const char *, int, ...)
    return real(dirfd, path, flags, mode);
}
