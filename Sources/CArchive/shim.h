// libarchive for Swift: tar reading and writing.
#include <archive.h>
#include <archive_entry.h>
