import OCI

/// What `airgap rewrite` does to a set of manifests, in two steps around the registry lookups it cannot make itself:
/// ``plan(_:images:)`` maps every image to its private reference (pinned from the bundle when there is one) and says
/// which references still need a digest; ``edit(_:digests:)`` pins those and edits each file's text in place.
/// Every image that cannot be mapped or pinned is an error naming its file and line; all are reported together.
public struct ImageRewrite: Sendable {
    /// One file's images and the private reference each becomes (not yet pinned from the registry).
    public struct PlannedFile: Sendable {
        public let file: ManifestFile
        public let images: [(occurrence: ImageOccurrence, target: Reference)]
    }

    /// The mapped files, the references whose digests the registry must give, and the images that could not be mapped.
    public struct Plan: Sendable {
        public let files: [PlannedFile]
        public let unpinned: Set<Reference>
        public let errors: [ClusterInputError]
    }

    /// One file's new text and how many images changed in it.
    public struct EditedFile: Sendable {
        public let file: ManifestFile
        public let text: String
        public let changed: Int
    }

    public let mapping: PrivateRegistryMapping
    /// The bundle's images: pins come from here, and an image it does not hold is an error.
    public let bundle: BundleImageIndex?
    public let pinDigests: Bool

    public init(mapping: PrivateRegistryMapping, bundle: BundleImageIndex?, pinDigests: Bool) {
        self.mapping = mapping
        self.bundle = bundle
        self.pinDigests = pinDigests
    }

    /// Maps the `images` found in each of `files`.
    public func plan(_ files: [ManifestFile], images: [[ImageOccurrence]]) -> Plan {
        var planned: [PlannedFile] = []
        var unpinned = Set<Reference>()
        var errors: [ClusterInputError] = []
        for (file, occurrences) in zip(files, images) {
            var mapped: [(occurrence: ImageOccurrence, target: Reference)] = []
            for occurrence in occurrences {
                let target: Reference
                do { target = try mapping.privateReference(for: try Reference(parsing: occurrence.value)) } catch {
                    errors.append(Self.error(occurrence, "cannot map '\(occurrence.value)': \(error.description)"))
                    continue
                }
                if let bundle {
                    guard let digest = bundle.digest(for: target) else {
                        errors.append(Self.error(occurrence, "\(occurrence.value) → \(target): not in the bundle"))
                        continue
                    }
                    mapped.append((occurrence, pinDigests && target.digest == nil ? target.withDigest(digest) : target))
                } else {
                    if pinDigests && target.digest == nil { unpinned.insert(target) }
                    mapped.append((occurrence, target))
                }
            }
            planned.append(PlannedFile(file: file, images: mapped))
        }
        return Plan(files: planned, unpinned: unpinned, errors: errors)
    }

    /// Each planned file's text with its images replaced, pinned with `digests` where the plan left them unpinned.
    public func edit(_ plan: Plan, digests: [Reference: Digest]) throws -> [EditedFile] {
        var errors = plan.errors
        var edited: [EditedFile] = []
        for planned in plan.files {
            var edits: [ScalarEditor.Edit] = []
            for (occurrence, target) in planned.images {
                var final = target
                if pinDigests && target.digest == nil {
                    guard let digest = digests[target] else {
                        errors.append(Self.error(occurrence, "\(target) is not in the registry; cannot pin it"))
                        continue
                    }
                    final = target.withDigest(digest)
                }
                let text = ImageText.written(final, like: occurrence.value)
                if text != occurrence.value { edits.append(.init(occurrence: occurrence, replacement: text)) }
            }
            do { edited.append(EditedFile(file: planned.file, text: try ScalarEditor.apply(edits, to: planned.file.text), changed: edits.count)) } catch let error as ClusterInputError {
                errors.append(error)
            }
        }
        guard errors.isEmpty else { throw ClusterInputErrors(errors) }
        return edited
    }

    static func error(_ occurrence: ImageOccurrence, _ why: String) -> ClusterInputError {
        ClusterInputError(file: occurrence.file, line: occurrence.line, "\(occurrence.object): container \(occurrence.container): \(why)")
    }
}
