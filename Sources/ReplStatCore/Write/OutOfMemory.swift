#if canImport(Glibc)
    import Glibc
#endif

/// The end of a run that the system refused memory deep inside the analysis, where no error can
/// travel up to the command: a message that says so and what to do, exit status 1 (docs/format.md),
/// the temporary files removed, rather than a crash and its backtrace.
public enum OutOfMemory {
    /// Says `what` did not fit and ends the process. Nothing here allocates: the memory may be
    /// gone for everyone.
    public static func end(_ what: StaticString) -> Never {
        TemporaryFiles.removeAll()
        say("replstat: out of memory: ")
        say(what)
        say(
            "; run it where more memory is free (ulimit -v, a container's limit), or spread the indices over a distributed analysis (docs/distributed.md)\n"
        )
        _exit(1)
    }

    private static func say(_ text: StaticString) {
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
    }
}
