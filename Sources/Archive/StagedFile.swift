import Glibc

/// A file written under a temporary name beside its destination and moved into place only by `commit()`.
///
/// Bytes are gathered in a fixed buffer and reach the kernel as `bufferSize` writes at `bufferSize`-aligned
/// offsets: the page cache then holds the file in large folios, which later readers (`transit verify`'s
/// mapped reads) see through huge-page mappings. Memory does not depend on how much is written.
/// Until `commit()` the destination is untouched; `discard()` (or dropping the object) removes the temporary file.
/// The temporary file is locked (`flock`) while it is written, so `removeAbandoned` can tell one a killed run
/// left behind from one a live writer holds.
final class StagedFile: StagedVolume {
    let destination: String
    let temporaryPath: String
    private var fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private(set) var committed = false

    static let bufferSize = 4 * 1024 * 1024

    init(destination: String) throws(ArchiveError) {
        self.destination = destination
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[..<$0]) } ?? "."
        let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        guard !base.isEmpty else { throw ArchiveError(archive: destination, reason: "is not a file path") }
        let tag = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        temporaryPath = "\(directory.isEmpty ? "" : directory)/.\(base).\(getpid()).\(tag).tmp"
        fd = open(temporaryPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ArchiveError(archive: destination, reason: "cannot create \(temporaryPath) (\(systemMessage(errno)))")
        }
        flock(fd, LOCK_EX)
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    /// Removes the temporary files of `destination` (and of its volumes `destination.NNN`) that no live writer
    /// holds: what a killed run left in the directory.
    static func removeAbandoned(of destination: String) {
        let slash = destination.lastIndex(of: "/")
        let directory = slash.map { String(destination[..<$0]) } ?? "."
        let base = slash.map { String(destination[destination.index(after: $0)...]) } ?? destination
        let directoryPath = directory.isEmpty ? "/" : directory
        guard !base.isEmpty, let handle = opendir(directoryPath) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard isTemporaryName(name, of: base) else { continue }
            let path = directoryPath + "/" + name
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(path) }
            close(fd)
        }
    }

    /// Whether `name` is `.BASE.PID.TAG.tmp` or `.BASE.SUFFIX.PID.TAG.tmp` (a volume `BASE.NNN`, the volume list
    /// `BASE.parts.json`), as `init` names temporary files.
    static func isTemporaryName(_ name: String, of base: String) -> Bool {
        guard name.hasPrefix("." + base + "."), name.hasSuffix(".tmp") else { return false }
        let middle = name.dropFirst(base.count + 2).dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard middle.count >= 2 else { return false }
        let pid = middle[middle.count - 2], tag = middle[middle.count - 1]
        return !pid.isEmpty && pid.allSatisfy { $0.isASCII && $0.isNumber } && !tag.isEmpty && tag.allSatisfy(\.isHexDigit)
            && !middle.dropLast(2).contains { $0.isEmpty }
    }

    deinit {
        discard()
        buffer.deallocate()
    }

    /// Appends `bytes` to the temporary file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard fd >= 0 else { throw ArchiveError(archive: destination, reason: "written after it was closed") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, buffer.count - buffered)
            buffer.baseAddress.map { ($0 + buffered).copyMemory(from: base + offset, byteCount: n) }
            buffered += n
            offset += n
            if buffered == buffer.count { try flush() }
        }
    }

    /// Writes out what is buffered, syncs the file to disk and closes it; `commit()` may follow.
    func seal() throws(ArchiveError) {
        guard fd >= 0 else { return }
        try flush()
        guard fsync(fd) == 0 else {
            throw ArchiveError(archive: destination, reason: "cannot be synced to disk (\(systemMessage(errno)))")
        }
        let result = close(fd)
        fd = -1
        guard result == 0 else {
            throw ArchiveError(archive: destination, reason: "cannot be closed (\(systemMessage(errno)))")
        }
    }

    /// Seals the file if needed and renames it to its destination (replacing any file there).
    func commit() throws(ArchiveError) {
        try seal()
        guard rename(temporaryPath, destination) == 0 else {
            throw ArchiveError(archive: destination, reason: "cannot be moved into place (\(systemMessage(errno)))")
        }
        committed = true
    }

    /// Closes and removes the temporary file; a committed file is left alone.
    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        if !committed { unlink(temporaryPath) }
        buffered = 0
    }

    private func flush() throws(ArchiveError) {
        guard buffered > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer.prefix(buffered)))
        buffered = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ArchiveError(archive: destination, reason: "cannot be written (\(systemMessage(errno)))")
            }
            offset += n
        }
    }
}

/// Syncs the directory holding `path`, so a rename into it survives a crash.
func syncDirectory(containing path: String) {
    let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}
