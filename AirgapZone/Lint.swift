import ArgumentParser
import Cluster
import Foundation
import OCI
import Pipeline
import Registry
import Trust
import ZoneSupport

/// `airgap lint`: the site's admission rules for images, run offline on Kubernetes YAML.
struct Lint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check every image reference in Kubernetes YAML against the private registry's rules.",
        discussion: """
        Reads files, directories (recursively, *.yaml and *.yml) or standard input (-): multi-document streams, \
        Helm and kustomize output, List objects. Images are taken from pod specs (containers, initContainers, \
        ephemeralContainers) of Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, \
        CronJob and PodTemplate, and from the custom resources listed in the README. Rules: private-registry, \
        no-latest, tag-required, digest-required (--require-digest), in-registry (--check-registry), signed \
        (--key/--policy). Each violation is one line: FILE:LINE: KIND/NAME: container C: RULE: why. \
        Exit codes: 0 clean, 2 violations found, 65 unreadable YAML or flags' files, 1/3/4 registry, credential, TLS errors.
        """
    )

    /// What a run found, for `--json`.
    struct Report: Encodable {
        let files: Int
        let images: Int
        let violations: [LintViolation]
    }

    @Argument(help: ArgumentHelp("YAML files or directories; - or nothing reads standard input.", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("The private registry, as given to transit push --to.", valueName: "host[:port][/prefix]"))
    var registry: String

    @Flag(name: .customLong("require-digest"), help: "Every image must be pinned to a digest.")
    var requireDigest = false

    @Flag(name: .customLong("check-registry"), help: "Ask the registry that every private image exists.")
    var checkRegistry = false

    @OptionGroup var trust: TrustOptions

    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        try await runReportingErrors("airgap") {
            let mapping = PrivateRegistryMapping(target: try PushTarget(parsing: registry))
            let rules = ImageRules(mapping: mapping, requireDigest: requireDigest)
            let files = try ManifestFile.collect(paths)
            var violations: [LintViolation] = []
            var toAsk: [(Reference, ImageOccurrence)] = []
            var images = 0
            for occurrences in try ManifestScanner.images(in: files) {
                for occurrence in occurrences {
                    images += 1
                    let (reference, found) = rules.check(occurrence)
                    violations += found
                    if let reference, mapping.isPrivate(reference) { toAsk.append((reference, occurrence)) }
                }
            }
            let policy = try trust.trustPolicy()
            if checkRegistry || policy != nil {
                violations += try await registryViolations(toAsk, policy: policy)
            }
            violations.sort { ($0.file, $0.line, $0.rule.rawValue) < ($1.file, $1.line, $1.rule.rawValue) }
            if json {
                try printJSON(Report(files: files.count, images: images, violations: violations))
            } else {
                for violation in violations { print(violation) }
                FileHandle.standardError.write(Data("airgap lint: \(images) image(s) in \(files.count) file(s), \(violations.count) violation(s)\n".utf8))
            }
            if !violations.isEmpty { throw ExitCode(ExitStatus.checkFailed) }
        }
    }

    /// in-registry and signed: each distinct private reference asked once.
    func registryViolations(_ images: [(Reference, ImageOccurrence)], policy: TrustPolicy?) async throws -> [LintViolation] {
        let client = try registryOptions.makeClient()
        let gate = policy.map { TrustGate(policy: $0) }
        var verdicts: [Reference: (digest: Digest?, untrusted: String?)] = [:]
        for (reference, _) in images where verdicts[reference] == nil {
            let descriptor = try await client.manifestDescriptor(Repository(reference), reference: reference.manifestReference)
            var untrusted: String?
            if let digest = descriptor?.digest, let gate {
                let verdict = try await gate.verdicts(for: [(reference, digest)], in: RegistrySignatureMaterial(client: client))[0]
                if !verdict.trusted { untrusted = verdict.reason }
            }
            verdicts[reference] = (descriptor?.digest, untrusted)
        }
        var violations: [LintViolation] = []
        for (reference, occurrence) in images {
            guard let verdict = verdicts[reference] else { continue }
            if verdict.digest == nil {
                violations.append(LintViolation(occurrence, .inRegistry, "\(reference) is not in the registry"))
            } else if let reason = verdict.untrusted {
                violations.append(LintViolation(occurrence, .signed, "\(reference): \(reason)"))
            }
        }
        return violations
    }
}
