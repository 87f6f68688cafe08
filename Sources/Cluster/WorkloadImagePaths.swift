/// Where images are in each kind of object: pod specs (whose `containers`, `initContainers` and
/// `ephemeralContainers` each have an `image`) and plain image fields of known custom resources.
///
/// | kind | where |
/// |---|---|
/// | Pod | `spec` |
/// | Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, Rollout (Argo Rollouts) | `spec.template.spec` |
/// | CronJob | `spec.jobTemplate.spec.template.spec` |
/// | PodTemplate | `template.spec` |
/// | Service (serving.knative.dev), Configuration, Revision (Knative) | `spec.template.spec` / `spec` |
/// | Prometheus, Alertmanager, ThanosRuler, PrometheusAgent (monitoring.coreos.com) | `spec.image`; `spec` as a pod spec |
/// | Workflow, WorkflowTemplate, ClusterWorkflowTemplate (Argo) | `spec.templates[].container.image`, `.script.image`, `.initContainers[].image`, `.sidecars[].image` |
/// | CronWorkflow (Argo) | the same under `spec.workflowSpec` |
/// | Task, ClusterTask (Tekton) | `spec.steps[].image`, `spec.sidecars[].image` |
/// | OpenTelemetryCollector | `spec.image`; `spec` as a pod spec |
/// | Kafka (Strimzi) | `spec.kafka.image`, `spec.zookeeper.image` |
public enum WorkloadImagePaths {
    /// A place images are found, as a path of mapping keys; `[]` after a key walks every item of a sequence.
    public enum Place: Sendable, Equatable {
        /// A pod spec: `containers[]`, `initContainers[]`, `ephemeralContainers[]`, each named by `name`.
        case podSpec([String])
        /// A scalar image field.
        case image([String])
    }

    /// The places of `kind` (with `apiVersion`'s group where a kind name is shared).
    public static func places(kind: String, apiVersion: String) -> [Place] {
        let group = apiVersion.split(separator: "/").count > 1 ? String(apiVersion.split(separator: "/")[0]) : ""
        switch kind {
        case "Pod": return [.podSpec(["spec"])]
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "Rollout":
            return [.podSpec(["spec", "template", "spec"])]
        case "CronJob": return [.podSpec(["spec", "jobTemplate", "spec", "template", "spec"])]
        case "PodTemplate": return [.podSpec(["template", "spec"])]
        case "Service" where group == "serving.knative.dev": return [.podSpec(["spec", "template", "spec"])]
        case "Configuration" where group == "serving.knative.dev": return [.podSpec(["spec", "template", "spec"])]
        case "Revision" where group == "serving.knative.dev": return [.podSpec(["spec"])]
        case "Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent", "OpenTelemetryCollector":
            return [.image(["spec", "image"]), .podSpec(["spec"])]
        case "Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate": return argoTemplates(["spec"])
        case "CronWorkflow": return argoTemplates(["spec", "workflowSpec"])
        case "Task", "ClusterTask":
            return [.image(["spec", "steps[]", "image"]), .image(["spec", "sidecars[]", "image"])]
        case "Kafka": return [.image(["spec", "kafka", "image"]), .image(["spec", "zookeeper", "image"])]
        default: return []
        }
    }

    static func argoTemplates(_ spec: [String]) -> [Place] {
        let templates = spec + ["templates[]"]
        return [.image(templates + ["container", "image"]), .image(templates + ["script", "image"]),
                .image(templates + ["initContainers[]", "image"]), .image(templates + ["sidecars[]", "image"])]
    }

    /// The container lists of a pod spec.
    public static let containerLists = ["containers", "initContainers", "ephemeralContainers"]
}
