// Linux interfaces that Glibc's Swift module hides behind _GNU_SOURCE or leaves out: direct I/O, crypt(3).
#define _GNU_SOURCE
#include <fcntl.h>
#include <crypt.h>

static inline int airlock_o_direct(void) { return O_DIRECT; }
