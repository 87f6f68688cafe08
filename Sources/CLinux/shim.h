// Linux file I/O that Glibc's Swift module hides behind _GNU_SOURCE: direct I/O and early writeback.
#define _GNU_SOURCE
#include <fcntl.h>

static inline int airlock_o_direct(void) { return O_DIRECT; }
static inline int airlock_start_writeback(int fd, long long offset, long long length) {
    return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}
