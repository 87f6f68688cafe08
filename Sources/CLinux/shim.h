// Linux file I/O that Glibc's Swift module hides behind _GNU_SOURCE: direct I/O.
#define _GNU_SOURCE
#include <fcntl.h>

static inline int airlock_o_direct(void) { return O_DIRECT; }
