import Glibc

/// One regular file read with `pread`, or scanned through memory mappings; safe to read from several threads at once.
///
/// `size` is taken when the file is opened and reads never go past it, so a file that grows
/// meanwhile still reads as it was; one that shrinks gives short reads, which readers treat as truncation.
public final class RandomAccessFile: RandomAccessSource {
    /// The file's path, as given.
    public let path: String
    /// Its size when opened.
    public let size: Int64
    private let fd: Int32

    /// Opens `path` for reading; it must be a regular file.
    public init(path: String) throws(ArchiveError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError(archive: path, reason: "cannot be opened (\(systemMessage(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = systemMessage(errno)
            close(fd)
            throw ArchiveError(archive: path, reason: "cannot be examined (\(reason))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw ArchiveError(archive: path, reason: "is not a regular file")
        }
        self.fd = fd
        size = Int64(info.st_size)
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0 else { throw ArchiveError(archive: path, reason: "read at negative offset \(offset)") }
        guard let base = buffer.baseAddress, offset < size else { return 0 }
        let wanted = Int(min(Int64(buffer.count), size - offset))
        var done = 0
        while done < wanted {
            let n = pread(fd, base + done, wanted - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw ArchiveError(archive: path, reason: "cannot be read at offset \(offset + Int64(done)) (\(systemMessage(errno)))")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// The span mapped at a time by `scan`: a multiple of the 2 MiB huge page, so a file the page cache holds in
    /// large folios is mapped with huge pages, and small enough that a scan keeps little of the file resident.
    public static let mappingWindow: Int64 = 8 * 1024 * 1024

    /// `scan` through read-only mappings of `mappingWindow` bytes, one at a time: the bytes are hashed or copied
    /// straight from the page cache, without the copy `pread` makes. Spans under a huge page, where mapping costs
    /// more than copying, and any span that cannot be mapped are read with `pread`.
    public func scan(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        guard offset >= 0 else { throw ArchiveError(archive: path, reason: "read at negative offset \(offset)") }
        guard length >= 2 * 1024 * 1024 else { return try readScan(from: offset, length: length, body) }
        let end = min(offset + length, size)
        var position = offset
        MappedReadFault.installHandler()
        while position < end {
            let windowStart = position - position % Self.mappingWindow
            let windowEnd = min(windowStart + Self.mappingWindow, end)
            // A file cut short since it was opened is read (short) with pread rather than mapped past its end.
            var info = stat()
            let mapped = fstat(fd, &info) == 0 && Int64(info.st_size) >= windowEnd
                ? mmap(nil, Int(windowEnd - windowStart), PROT_READ, MAP_SHARED | MAP_POPULATE, fd, off_t(windowStart)) : nil
            guard let mapped, mapped != MAP_FAILED else {
                return position - offset + (try readScan(from: position, length: end - position, body))
            }
            defer { munmap(mapped, Int(windowEnd - windowStart)) }
            try body(UnsafeRawBufferPointer(start: mapped + Int(position - windowStart), count: Int(windowEnd - position)))
            position = windowEnd
        }
        return max(0, position - offset)
    }
}

/// A mapped file that shrinks while mapped, or whose medium fails, raises SIGBUS on the next access instead of returning an
/// error. The handler turns that into one clear line and exit status 1 (nothing Airlock writes is left half-done:
/// outputs are staged and renamed only when complete).
enum MappedReadFault {
    private static let installed: Void = {
        signal(SIGBUS) { _ in
            let message: StaticString = "error: a file being read shrank or could not be read from its medium (SIGBUS)\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(1)
        }
    }()

    /// Installs the handler, once per process.
    static func installHandler() { installed }
}
