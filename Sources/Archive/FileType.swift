/// libarchive's file type codes (`AE_IF*`), which Swift cannot import from their C macros.
enum FileType {
    static let mask: UInt32 = 0o170000
    static let regular: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let symbolicLink: UInt32 = 0o120000
    static let characterDevice: UInt32 = 0o020000
    static let blockDevice: UInt32 = 0o060000
    static let fifo: UInt32 = 0o010000
    static let socket: UInt32 = 0o140000

    /// How an error describes an entry of type `code` that is not a regular file or directory.
    static func describe(_ code: UInt32) -> String {
        switch code & mask {
        case symbolicLink: return "a symbolic link"
        case characterDevice: return "a character device"
        case blockDevice: return "a block device"
        case fifo: return "a FIFO"
        case socket: return "a socket"
        default: return "of unknown type \(String(code & mask, radix: 8))"
        }
    }
}
