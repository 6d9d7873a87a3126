import ReplStatPipelines

/// How `replstat run` reads a pipeline file: set by `replstat-run`, which links the YAML reader
/// (`PipelineFile.parse`, on Yams, and with it Foundation and ICU, which the other commands do
/// without). In `replstat` it stays nil, and `run` starts `replstat-run` in its place.
public enum PipelineReader {
    /// Parses the text of a pipeline file (the file's name, for messages, second).
    nonisolated(unsafe) public static var parse: ((String, String) throws(PipelineError) -> Pipeline)?
}
