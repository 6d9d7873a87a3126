/// What `replstat --version` prints, and the root `--help` ends with: the release number,
/// raised by hand for each release, and the commit the binary was built from, which the build
/// reads from git (Plugins/BuildInfo). Never part of a report, which depends on its input only.
enum Version {
    static let number = "0.1.0"

    /// `replstat 0.1.0 (commit 5f525f2abcde)`, `... (commit 5f525f2abcde, modified)` when tracked
    /// files differed from it, `... (commit unknown)` when built outside a git checkout.
    static var line: String {
        let commit = buildCommit.map { $0 + (buildModified ? ", modified" : "") } ?? "unknown"
        return "replstat \(number) (commit \(commit))"
    }
}
