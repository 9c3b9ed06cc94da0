/// The version gmemd reports in `--version` and `/v1/health`.
enum GmemdVersion {
    static let string = "0.1.0"
}
