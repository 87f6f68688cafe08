import Bundle
import Foundation
import Testing

/// A store path that cannot be a directory is named plainly, not as Foundation's `NSCocoaErrorDomain error 512`.
@Suite struct StorePathTests {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-file-\(UUID().uuidString)").path

    init() throws { try Data("not a directory".utf8).write(to: URL(fileURLWithPath: file)) }

    @Test func aRegularFileIsNamed() {
        #expect { try ContentStore(at: file) } throws: { error in
            "\(error)".contains("is a file, not a directory") && !"\(error)".contains("NSCocoaErrorDomain")
        }
    }

    @Test func aFileAmongTheParentsIsNamed() {
        #expect { try ContentStore(at: file + "/store/inside") } throws: { error in
            "\(error)".contains("cannot be created: \(file) is a file, not a directory")
        }
    }
}
