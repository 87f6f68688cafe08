/// The version every Airlock executable reports.
public enum AirlockVersion {
    public static let current = "0.1.0"
}
