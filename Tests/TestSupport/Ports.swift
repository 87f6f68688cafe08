import Foundation
import Locking

/// Free TCP ports on 127.0.0.1.
public enum Ports {
    /// Ports handed out recently, so parallel tests are not given the same one
    /// before its server has bound it.
    private static let recent = Locked<[UInt16]>([])

    /// A port on 127.0.0.1 that was free a moment ago: the kernel picks it by
    /// binding port 0, and the socket is closed again. Callers must retry with
    /// another port if their server then fails to bind it.
    public static func free() throws -> UInt16 {
        for _ in 0..<20 {
            let port = try bindEphemeralPort()
            let isNew = recent.withLock { recent in
                guard !recent.contains(port) else { return false }
                recent.append(port)
                if recent.count > 256 { recent.removeFirst() }
                return true
            }
            if isNew { return port }
        }
        throw HarnessError("no free port found on 127.0.0.1")
    }

    private static func bindEphemeralPort() throws -> UInt16 {
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        let socketFD = socket(AF_INET, streamType, 0)
        guard socketFD >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(socketFD, socketAddress, length) == 0
                    && getsockname(socketFD, socketAddress, &length) == 0
            }
        }
        guard bound else { throw HarnessError("binding 127.0.0.1:0 failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}
