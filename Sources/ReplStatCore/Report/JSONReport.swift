public enum JSONReport {
    public static func render(_ result: AnalysisResult) -> [UInt8] { [] }
}
