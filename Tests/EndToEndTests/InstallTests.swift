import Foundation
import Testing

/// `scripts/install PREFIX`: a release build that runs where no Swift toolchain is, with its
/// manual and shell completions. The build takes a minute or two the first time (it goes to
/// .build-install, which later runs reuse); REPLSTAT_SKIP_INSTALL_TEST=1 leaves it out.
@Suite(
    .serialized, .timeLimit(.minutes(20)),
    .enabled(if: ProcessInfo.processInfo.environment["REPLSTAT_SKIP_INSTALL_TEST"] == nil))
struct InstallTests {
    static let root = PipelineRunTests.root

    /// The toolchain's own folder (`/opt/swift`), from the `swift` that builds the tests.
    static let toolchain: String? = {
        let which = try? Replstat.bash("PATH=$PATH:/opt/swift/usr/bin command -v swift")
        guard let path = which?.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines),
            path.hasSuffix("/usr/bin/swift")
        else { return nil }
        return String(path.dropLast("/usr/bin/swift".count))
    }()

    /// `scripts/install PREFIX`, in the background: the build takes minutes.
    private func install(into prefix: URL) async throws -> (status: Int32, output: String) {
        try await BackgroundShell.run("scripts/install '\(prefix.path)'", in: Self.root)
    }

    @Test func theInstalledBinaryRunsWithoutTheToolchain() async throws {
        let dir = try TemporaryDirectory()
        let prefix = dir.file("prefix")
        let install = try await install(into: prefix)
        #expect(install.status == 0, "\(install.output.suffix(4000))")
        #expect(install.output.contains("scripts/install: installed replstat "))
        let binary = prefix.appendingPathComponent("bin/replstat").path

        let files = [
            ("bin/replstat", 0o755), ("bin/replstat-run", 0o755), ("share/man/man1/replstat.1", 0o644),
            ("share/bash-completion/completions/replstat", 0o644), ("share/zsh/site-functions/_replstat", 0o644),
            ("share/fish/vendor_completions.d/replstat.fish", 0o644),
        ]
        for (file, mode) in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: prefix.appendingPathComponent(file).path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(file)")
            #expect(((attributes[.size] as? Int) ?? 0) > 1000, "\(file)")
        }

        // Linked against the system's libraries only.
        let toolchain = try #require(Self.toolchain, "no swift found")
        for executable in [binary, binary + "-run"] {
            let ldd = try Replstat.bash("ldd '\(executable)'")
            #expect(ldd.status == 0)
            #expect(!ldd.stdoutText.contains(toolchain), "\(ldd.stdoutText)")
            #expect(!ldd.stdoutText.contains("not found") && !ldd.stdoutText.contains("libswift"), "\(ldd.stdoutText)")
            #expect(!ldd.stdoutText.contains("libFoundation"), "\(ldd.stdoutText)")
        }

        // With an empty environment (no PATH, no LD_LIBRARY_PATH): the same version and the same
        // report as the build under test.
        let version = try Replstat.bash("env -i '\(binary)' --version")
        #expect(version.status == 0)
        #expect(version.stdoutText == (try Replstat.run(["--version"])).stdoutText)
        let report = try Replstat.bash(
            "cd '\(Self.root.path)' && env -i '\(binary)' analyze samples/fleet-day.jsonl.gz")
        #expect(report.status == 0, "\(report.stderr)")
        let expected = try Replstat.run(["analyze", "samples/fleet-day.jsonl.gz"], in: Self.root)
        #expect(report.stdout == expected.stdout)
        // `replstat run` starts the replstat-run installed beside it.
        let plan = try Replstat.bash(
            "cd '\(Self.root.path)' && env -i '\(binary)' run --check pipelines/nightly-report.yaml")
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(
            plan.stdoutText
                == (try Replstat.run(["run", "--check", "pipelines/nightly-report.yaml"], in: Self.root)).stdoutText)

        // The toolchain's libraries hidden under an empty folder, in a mount namespace of its own
        // (when this user may make one): the installed binary runs, the test build does not.
        let hide = "unshare --mount sh -c 'mount -t tmpfs none \(toolchain)/usr/lib && exec \"$0\" \"$@\"'"
        if try Replstat.bash("\(hide) true").status == 0 {
            let hidden = try Replstat.bash("\(hide) env -i '\(binary)' --version")
            #expect(hidden.status == 0, "\(hidden.stderr)")
            #expect(hidden.stdoutText == version.stdoutText)
            let control = try Replstat.bash("\(hide) '\(Replstat.binary.path)' --version")
            #expect(control.status != 0)
            #expect(control.stderr.contains("error while loading shared libraries"), "\(control.stderr)")
        }

        // Stripped: no symbol table.
        let sections = try Replstat.bash("readelf -S '\(binary)'")
        if sections.status == 0 {
            #expect(sections.stdoutText.contains(".text"))
            #expect(!sections.stdoutText.contains(".symtab"))
        }
    }

    @Test func theManualAndTheCompletionsComeFromTheCommands() async throws {
        let dir = try TemporaryDirectory()
        let prefix = dir.file("prefix")
        // A second install over the .build-install of the first: only the files are made again.
        let install = try await install(into: prefix)
        #expect(install.status == 0, "\(install.output.suffix(4000))")
        let share = prefix.appendingPathComponent("share")

        let manual = try String(contentsOf: share.appendingPathComponent("man/man1/replstat.1"), encoding: .utf8)
        #expect(manual.contains(".Dt REPLSTAT 1"))
        #expect(!manual.contains("\n\n"))  // each blank line a `.Pp`: `man` warns of empty lines
        for text in ["analyze", "watch", "capture", "simulate", "--out-dir", "--reorder-window", "Exit status"] {
            #expect(manual.contains(text), "\(text)")
        }
        let man = try Replstat.bash("LC_ALL=C MANWIDTH=80 man -l '\(share.path)/man/man1/replstat.1'")
        if man.status != 127 {
            #expect(man.status == 0)
            #expect(!man.stderr.contains("warning"), "\(man.stderr)")
            #expect(man.stdoutText.contains("REPLSTAT(1)"))
        }

        let bash = share.appendingPathComponent("bash-completion/completions/replstat").path
        #expect(try Replstat.bash("bash -n '\(bash)'").status == 0)
        // As bash calls it for `replstat an<TAB>` and `replstat run --out<TAB>`.
        func offered(_ words: [String]) throws -> String {
            let line = words.joined(separator: " ")
            let call =
                "source '\(bash)'; COMP_WORDS=(\(line)); COMP_CWORD=\(words.count - 1); COMP_LINE='\(line)'; "
                + "COMP_POINT=\(line.count); _replstat replstat \(words[words.count - 1]) \(words[words.count - 2]); "
                + "printf '%s\\n' \"${COMPREPLY[@]}\""
            let run = try Replstat.bash(call)
            #expect(run.stderr.isEmpty, "\(run.stderr)")
            return run.stdoutText
        }
        #expect(try offered(["replstat", "an"]) == "analyze\n")
        #expect(try offered(["replstat", "run", "--out"]) == "--out-dir\n")
        let zsh = try String(contentsOf: share.appendingPathComponent("zsh/site-functions/_replstat"), encoding: .utf8)
        #expect(zsh.hasPrefix("#compdef replstat"))
        let fish = try String(
            contentsOf: share.appendingPathComponent("fish/vendor_completions.d/replstat.fish"), encoding: .utf8)
        #expect(fish.contains("complete -c 'replstat'") || fish.contains("complete -c replstat"))
    }
}
