/// Files that are put in place together: each is written and sealed under its temporary name
/// (`FileSink(path:batch:)`), and only when every one is, `place` renames them over their final
/// names. A run whose fifth table cannot be written (a full disk) so leaves the previous
/// tables, all of them, instead of a folder mixing new tables with old ones.
///
/// Dropped before `place` (an error upstream), it removes the files it holds.
public final class OutputBatch {
    private var sealed: [TemporaryFile] = []

    public init() {}

    func hold(_ file: TemporaryFile) {
        sealed.append(file)
    }

    /// Renames every sealed file over its final name, in the order they were finished.
    /// Renames within a folder do not need room, so once the files are written this hardly fails;
    /// if one does, the files not yet placed are removed.
    public func place() throws(OutputError) {
        while !sealed.isEmpty {
            try sealed.removeFirst().place()
        }
    }

    deinit {
        for file in sealed { file.abandon() }
    }
}
