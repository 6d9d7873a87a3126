public enum MarkdownReport {
    public static func render(_ result: AnalysisResult) -> String { "TODO\n" }
}
