import Archive
import Foundation

/// The tar reader: header blocks and the safe index built over a whole archive.
enum ArchiveFuzzing {
    @Sendable static func tarIndex(_ data: Data) {
        guard let index = try? TarIndex.build(from: MemorySource(bytes: [UInt8](data)), name: "fuzz.tar") else { return }
        _ = index.entries.count
    }
}

/// An archive held in memory, read as `TarIndex` reads a file.
struct MemorySource: RandomAccessSource {
    let bytes: [UInt8]
    var size: Int64 { Int64(bytes.count) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0, offset < size else { return 0 }
        let n = min(buffer.count, bytes.count - Int(offset))
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[Int(offset)..<(Int(offset) + n)])) }
        return n
    }
}
