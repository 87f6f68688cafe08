import Archive
import Bundle
import OCI

/// A bundle file (whole or in volumes) as a copy's source, read in place: nothing is extracted.
public struct BundleSource: LayoutSource {
    public let bundle: BundleFile
    private let names = EntryNames()

    public init(bundle: BundleFile) { self.bundle = bundle }

    public func entry(named name: String) throws -> LayoutEntry? {
        try names.entry(named: name, load: entries)
    }

    public var layoutName: String { bundle.path }

    public func entries() throws -> [LayoutEntry] {
        let index = try bundle.layoutIndex()
        do { return try index.layoutEntries() } catch {
            throw BundleError(bundle: bundle.path, artifact: "index.json", reason: "\(error)")
        }
    }

    public func blobLocation(_ digest: Digest) throws -> (source: any RandomAccessSource, offset: Int64, size: Int64)? {
        guard let entry = bundle.entries[BundleFile.blobName(digest)] else { return nil }
        return (bundle.source, entry.offset, entry.size)
    }
}
