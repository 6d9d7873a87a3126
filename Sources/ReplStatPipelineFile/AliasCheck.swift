// Yams's own copy of libyaml: SwiftPM lets a target import the C modules of its dependencies.
import CYaml
import ReplStatPipelines

/// Refuses, before Yams composes a file, the YAML that would cost time or memory out of all
/// proportion to its size.
///
/// Yams's composer keeps an alias as a second reference to the anchored node, so a tree of
/// aliases stays small in memory; but it checks every mapping for duplicate keys by hashing
/// them, and hashing a key walks the key's tree with every alias expanded. A 470-byte file with
/// `? *a7 : 1` (an alias to ten lists of ten lists... of ten items) made it hash ten million
/// nodes: 17 s of CPU, and minutes for one more level. This check walks libyaml's events once,
/// keeping only the size of each anchored node, so it costs time in proportion to the file.
struct AliasCheck {
    /// At most this many nodes in all may come from aliases (each alias counts the nodes of
    /// what it stands for, aliases inside included). A pipeline file needs a handful.
    static let expansionLimit = 10_000

    let file: String

    /// Throws at the first key that is a list or a mapping (or an alias to one), and at the
    /// first alias that takes the expansion past `expansionLimit`. A file that libyaml cannot
    /// parse is let through up to its mistake: Yams reports that one, with its place.
    func check(_ text: String) throws(PipelineError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw PipelineError(file: file, message: "out of memory while reading the file")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { (buffer) throws(PipelineError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var walk = Walk(file: file)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try walk.take(event)
            }
        }
    }

    /// The state of the walk: the open lists and mappings, and what each anchor stands for.
    private struct Walk {
        let file: String
        /// Nodes of each anchor, with every alias inside expanded, and whether it is a scalar.
        var anchors: [String: (nodes: Int, isScalar: Bool)] = [:]
        var open: [OpenNode] = []
        var expanded = 0

        /// An open list or mapping: its anchor, its nodes so far, and (for a mapping) whether
        /// the next node is a key.
        struct OpenNode {
            var anchor: String?
            var nodes = 1
            var isMapping: Bool
            var nextIsKey: Bool
        }

        init(file: String) { self.file = file }

        mutating func take(_ event: yaml_event_t) throws(PipelineError) {
            switch event.type {
            case YAML_SCALAR_EVENT:
                try node(event, isScalar: true)
                if let anchor = Self.text(event.data.scalar.anchor) { anchors[anchor] = (1, true) }
                add(1)
            case YAML_ALIAS_EVENT:
                let target = Self.text(event.data.alias.anchor).flatMap { anchors[$0] }
                // An undefined alias is Yams's to report.
                try node(event, isScalar: target?.isScalar ?? true)
                let nodes = target?.nodes ?? 1
                expanded += nodes
                guard expanded <= AliasCheck.expansionLimit else {
                    throw error(
                        event,
                        "aliases here expand to more than \(AliasCheck.expansionLimit) nodes; "
                            + "a pipeline file needs few: write the values out")
                }
                add(nodes)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                try node(event, isScalar: false)
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = Self.text(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                open.append(OpenNode(anchor: anchor, isMapping: isMapping, nextIsKey: isMapping))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = open.popLast() else { return }
                if let anchor = closed.anchor { anchors[anchor] = (closed.nodes, false) }
                add(closed.nodes)
            default:
                break
            }
        }

        /// A node starts: a key must be a scalar.
        private mutating func node(_ event: yaml_event_t, isScalar: Bool) throws(PipelineError) {
            guard let parent = open.indices.last, open[parent].isMapping else { return }
            defer { open[parent].nextIsKey.toggle() }
            if open[parent].nextIsKey && !isScalar {
                throw error(event, "a key must be a name, not a list or a mapping")
            }
        }

        private mutating func add(_ nodes: Int) {
            if let parent = open.indices.last { open[parent].nodes += nodes }
        }

        private func error(_ event: yaml_event_t, _ message: String) -> PipelineError {
            // libyaml counts lines and columns from 0.
            let mark = event.start_mark
            return PipelineError(
                FileLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1), message)
        }

        private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

    }
}
