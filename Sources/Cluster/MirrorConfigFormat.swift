/// The runtimes `airgap mirror-config --format` writes for.
public enum MirrorConfigFormat: String, CaseIterable, Sendable {
    case containerd, k3s
    case crio = "cri-o"
    case talos
    case talosLegacy = "talos-legacy"

    /// The files of this format for `settings`, paths relative to the output directory.
    public func files(_ settings: MirrorSettings) -> [GeneratedFile] {
        switch self {
        case .containerd: ContainerdHostsConfig.files(settings)
        case .k3s: K3sRegistriesConfig.files(settings)
        case .crio: CRIORegistriesConfig.files(settings)
        case .talos: TalosRegistryPatch.files(settings, form: .documents)
        case .talosLegacy: TalosRegistryPatch.files(settings, form: .legacy)
        }
    }
}
