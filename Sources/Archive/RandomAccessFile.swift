import Glibc

/// One regular file read with `pread`; safe to read from several threads at once.
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
}
