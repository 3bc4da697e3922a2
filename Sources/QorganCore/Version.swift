/// Which Qorgan this is: `qorgan --version`, `/api/system/info`'s `qorganVersion`.
public enum QorganVersion {
    public static let current = "0.26.0"
}
