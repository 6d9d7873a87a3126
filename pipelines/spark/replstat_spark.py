#!/usr/bin/env python3
"""replstat on Apache Spark: the reports `replstat analyze` writes, byte for byte, from sources on
any file system Spark reads.

    spark-submit [SPARK OPTIONS] replstat_spark.py --replstat PATH --out DIR
        [--format csv,markdown,json,html] [--partitions N] [--strict] [--reader auto|local|hadoop]
        [--reorder-window S] [--max-gap S] [--stall-after S] [--max-line-bytes B] SOURCE...

The three steps are replstat's own commands (docs/distributed.md); Spark only moves the bytes:

1. map, one task per source (gzip cannot be split): `replstat split` routes every line to the
   partition of its index and tells how the lines it settled itself came out (the S record).
2. shuffle: the records go to their partition, sorted by (source ordinal, line number), the order
   in which `replstat analyze` would have read them.
3. per partition, `replstat analyze --format partial`; then, on the driver, `replstat merge` once
   per format into --out.

Exit status: merge's, which is `replstat analyze`'s: 0 done, 1 a source could not be read or is
damaged, 2 usage error (nothing started), 3 --strict and a line was rejected; 4 the job failed (a
replstat task failed or crashed, or Spark did): nothing written. pipelines/spark/README.md says
how to submit it to a cluster.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

FORMATS = ("markdown", "csv", "json", "html", "openmetrics")
# Options that change the analysis: given to split, to the partial analysis, and recorded in the
# partial documents (merge refuses partials made with different ones).
ANALYSIS_OPTIONS = ("reorder-window", "max-gap", "stall-after", "max-line-bytes")
JOB_FAILED = 4
USAGE = 2
# The key's partition field of the S records. They travel through the shuffle with the line
# records rather than in an accumulator: a retried task then cannot count a source twice.
SOURCES = -1
# A source that starts like "hdfs:/", "s3a://", "file:/" is a URL for Hadoop.
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/")
# Hadoop's FileInputFormat splits a path at commas and expands glob patterns: a source holding one
# of these could stand for other files than the one named.
HADOOP_PATTERN_CHARACTERS = set(",*?[]{}\\")
STDERR_KEPT = 8192  # bytes of a failed command's standard error in the job's message


class ReplstatFailure(Exception):
    """A replstat command on an executor failed or crashed; its message is the command's stderr."""


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="replstat_spark.py",
        description="The reports of `replstat analyze`, computed by Apache Spark.",
        epilog="Exit status: 0 done; 1 a source could not be read or is damaged; 2 usage error; "
        "3 --strict and a line was rejected; 4 the job failed (nothing written).",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="capture files, plain or gzip, named as `replstat analyze` names them; "
                        "a URL (hdfs://, s3a://, file:/ ...) is read through Hadoop")
    parser.add_argument("--replstat", default=shutil.which("replstat"), metavar="PATH",
                        help="the replstat binary, shipped to the executors (default: replstat on PATH)")
    # Required: in client mode Spark hands on what the Python driver writes to standard error on
    # its standard output, where messages would mix into a report.
    parser.add_argument("--out", metavar="DIR", required=True,
                        help="folder to write the reports into (created if missing), as analyze --out writes them")
    parser.add_argument("--format", "--formats", dest="formats", action="append", metavar="FORMAT[,FORMAT...]",
                        help=f"report formats, any of {', '.join(FORMATS)}; repeatable (default: markdown)")
    parser.add_argument("--partitions", type=positive_integer, metavar="N",
                        help="partitions of the indices, one partial analysis each (default: Spark's default "
                        "parallelism)")
    parser.add_argument("--strict", action="store_true", help="exit with status 3 when any line is rejected")
    parser.add_argument("--reader", choices=("auto", "local", "hadoop"), default="auto",
                        help="how executors read a source: 'local' opens the path itself (constant memory; a "
                        "cluster needs it mounted on every executor), 'hadoop' through Spark's binaryFiles (any "
                        "Hadoop URL; holds the whole file in memory); 'auto' (default) reads URLs through Hadoop, "
                        "paths locally")
    parser.add_argument("--chunk-bytes", type=positive_integer, metavar="BYTES",
                        help="records of one partition are shuffled in chunks of about this size "
                        "(default: 1 MiB, less when there are more than 64 partitions)")
    for option in ANALYSIS_OPTIONS:
        parser.add_argument(f"--{option}", metavar="VALUE", help="as for replstat analyze")
    args = parser.parse_args(argv)
    args.formats = [name for value in (args.formats or ["markdown"]) for name in value.split(",") if name]
    for name in args.formats:
        if name not in FORMATS:
            parser.error(f"unknown format '{name}': choose from {', '.join(FORMATS)}")
    if len(set(args.formats)) != len(args.formats):
        parser.error("a format is named twice")
    if args.replstat is None:
        parser.error("no replstat on PATH: give the binary with --replstat PATH")
    if not (os.path.isfile(args.replstat) and os.access(args.replstat, os.X_OK)):
        parser.error(f"--replstat {args.replstat}: not an executable file")
    args.settings = [f"--{option}={getattr(args, option.replace('-', '_'))}" for option in ANALYSIS_OPTIONS
                     if getattr(args, option.replace("-", "_")) is not None]
    args.hadoop = [args.reader == "hadoop" or (args.reader == "auto" and URL.match(source) is not None)
                   for source in args.sources]
    for source, hadoop in zip(args.sources, args.hadoop):
        if source == "-":
            parser.error("standard input cannot be spread over a cluster: name the capture files")
        if hadoop and HADOOP_PATTERN_CHARACTERS & set(source):
            parser.error(f"{source}: Hadoop would read this as a pattern or a list (one of , * ? [ ] {{ }} \\): "
                         "rename the file, or read it with --reader local")
    return args


def positive_integer(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' must be at least 1")
    return value


def check_settings(args):
    """Lets replstat judge the analysis options before Spark starts: its message, status 2."""
    argv = [args.replstat, "split", f"--partitions={args.partitions or 1}", "--source-ordinal=0",
            "--source-name=-", *args.settings, "-"]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode == USAGE:
        sys.stderr.buffer.write(done.stderr)
        sys.exit(USAGE)
    if done.returncode not in (0, 1):
        sys.stderr.buffer.write(failure_message(argv, done.returncode, done.stderr).encode())
        sys.exit(JOB_FAILED)


def failure_message(argv, status, stderr):
    command = " ".join(["replstat", *argv[1:]])
    how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
    text = stderr[-STDERR_KEPT:].decode("utf-8", "replace").rstrip("\n")
    return f"{command} {how}" + (f":\n{text}\n" if text else "\n")


def executable(name):
    """The binary SparkContext.addFile shipped, on this executor, made executable."""
    from pyspark import SparkFiles

    path = SparkFiles.get(name)
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


class SplitTask:
    """The map step: `replstat split` on one source, its output as shuffle records.

    Records of one partition are gathered, in split's line order, into chunks keyed by
    (partition, ordinal, first line number). Chunks of one (partition, ordinal) come from one
    split run and cover increasing, disjoint line ranges, so sorting the chunks orders their
    records exactly as sorting the records one by one would, at a fraction of the cost per line
    (Python objects and pickling per line would dominate the job).
    """

    def __init__(self, binary_name, partitions, settings, chunk_bytes, working_folder):
        self.binary_name = binary_name
        self.partitions = partitions
        self.settings = settings
        self.chunk_bytes = chunk_bytes
        self.working_folder = working_folder

    def __call__(self, item):
        ordinal, name, content = item
        # A local source is opened by split itself (streamed, and failures worded as analyze
        # words them); a Hadoop source arrives as bytes and goes in on standard input.
        argv = [executable(self.binary_name), "split", f"--partitions={self.partitions}",
                f"--source-ordinal={ordinal}", f"--source-name={name}", *self.settings, "--",
                name if content is None else "-"]
        folder = self.working_folder if content is None else None
        if folder is not None and not os.path.isdir(folder):
            raise ReplstatFailure(f"{name}: this executor has no folder {folder}, where the relative paths of "
                                  "the local reader start: give absolute paths, or --reader hadoop")
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL if content is None else subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=errors, cwd=folder)
            try:
                feeder = None
                if content is not None:
                    feeder = threading.Thread(target=feed, args=(process.stdin, content), daemon=True)
                    feeder.start()
                source_record = yield from self.chunks(process.stdout, ordinal)
                status = process.wait()
                if feeder is not None:
                    feeder.join()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if status not in (0, 1) or source_record is None:
                errors.seek(0)
                problem = "" if source_record is not None else "wrote no source record (S) at the end"
                raise ReplstatFailure(failure_message(argv, status, errors.read()) + problem)
            yield (SOURCES, ordinal, 0), source_record

    def chunks(self, stream, ordinal):
        """Yields the chunks of records; returns the S record (None when split wrote none)."""
        pending = {}  # the record's partition field, as bytes -> [partition, first line, bytearray]
        for record in stream:
            if record.startswith(b"S\t"):
                source_record = record
                break
            tab = record.find(b"\t")
            chunk = pending.get(record[:tab])
            if chunk is None:
                chunk = pending[record[:tab]] = self.new_chunk(record, tab)
            chunk[2] += record
            if len(chunk[2]) >= self.chunk_bytes:
                yield (chunk[0], ordinal, chunk[1]), bytes(chunk[2])
                del pending[record[:tab]]
        else:
            source_record = None
        if source_record is not None and (not source_record.endswith(b"\n") or stream.read(1)):
            raise ReplstatFailure("replstat split wrote something after its source record (S), or left it unended")
        for partition, first_line, records in pending.values():
            yield (partition, ordinal, first_line), bytes(records)
        return source_record

    def new_chunk(self, record, tab):
        fields = record.split(b"\t", 3)
        try:
            partition, first_line = int(fields[0]), int(fields[2])
        except (ValueError, IndexError):
            partition = -1
        if not 0 <= partition < self.partitions or not record.endswith(b"\n"):
            raise ReplstatFailure(f"replstat split wrote a record this job cannot read: {record[:200]!r}")
        return [partition, first_line, bytearray()]


def feed(pipe, content):
    try:
        pipe.write(content)
    except BrokenPipeError:
        pass  # split stopped reading: its status says why
    finally:
        try:
            pipe.close()
        except BrokenPipeError:
            pass


def partition_of(key):
    """The S records go to partition 0, where they sort before every record."""
    return max(key[0], 0)


class PartialAnalysisTask:
    """The reduce step: `replstat analyze --format partial` on one partition's records, in order.

    Yields ("source", ordinal, S record) for the S records that landed here, and ("partial",
    partition, document). Standard output and error go to files, so writing the records to the
    child's standard input from this thread cannot deadlock.
    """

    def __init__(self, binary_name, settings):
        self.binary_name = binary_name
        self.settings = settings

    def __call__(self, partition, items):
        items = iter(items)
        first = next(items, None)
        while first is not None and first[0][0] == SOURCES:
            yield "source", first[0][1], first[1]
            first = next(items, None)
        if first is None:
            return  # no index hashed here
        argv = [executable(self.binary_name), "analyze", "--format=partial", *self.settings, "-"]
        with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=output, stderr=errors)
            try:
                try:
                    process.stdin.write(first[1])
                    for _, records in items:
                        process.stdin.write(records)
                    process.stdin.close()
                except BrokenPipeError:
                    pass  # it stopped reading: its status says why
                status = process.wait()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if status != 0:
                errors.seek(0)
                raise ReplstatFailure(failure_message(argv, status, errors.read()))
            output.seek(0)
            yield "partial", partition, output.read()


def run_job(args, sc, folder):
    """Runs map, shuffle and partial analyses; writes the S records and partials into folder."""
    partitions = args.partitions or sc.defaultParallelism
    chunk_bytes = args.chunk_bytes or max(16 << 10, min(1 << 20, (64 << 20) // partitions))
    binary_name = os.path.basename(args.replstat)
    sc.addFile(os.path.abspath(args.replstat))
    relative = any(not hadoop and not os.path.isabs(source) for source, hadoop in zip(args.sources, args.hadoop))
    split = SplitTask(binary_name, partitions, args.settings, chunk_bytes, os.getcwd() if relative else None)

    local = [(ordinal, source, None) for ordinal, (source, hadoop) in enumerate(zip(args.sources, args.hadoop))
             if not hadoop]
    inputs = [sc.parallelize(local, len(local))] if local else []
    for ordinal, (source, hadoop) in enumerate(zip(args.sources, args.hadoop)):
        if hadoop:
            check_hadoop_file(sc, source)
            inputs.append(sc.binaryFiles(source).map(lambda pair, o=ordinal, s=source: (o, s, pair[1])))
    sources = inputs[0] if len(inputs) == 1 else sc.union(inputs)
    results = (sources.flatMap(split)
               .repartitionAndSortWithinPartitions(partitions, partition_of)
               .mapPartitionsWithIndex(PartialAnalysisTask(binary_name, args.settings))
               .collect())
    source_records = sorted((ordinal, record) for kind, ordinal, record in results if kind == "source")
    if [ordinal for ordinal, _ in source_records] != list(range(len(args.sources))):
        raise ReplstatFailure(f"{len(source_records)} source records for {len(args.sources)} sources")
    write_private(os.path.join(folder, "sources"), b"".join(record for _, record in source_records))
    partials = []
    for kind, partition, document in results:
        if kind == "partial":
            partials.append(os.path.join(folder, f"partial-{partition:05d}"))
            write_private(partials[-1], document)
    return [os.path.join(folder, "sources"), *sorted(partials)]


def check_hadoop_file(sc, source):
    """A Hadoop source must be one file: binaryFiles would read a folder's files as one source."""
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(source)
    try:
        status = path.getFileSystem(sc._jsc.hadoopConfiguration()).getFileStatus(path)
    except Exception as error:  # Py4JJavaError: FileNotFoundException, an unknown scheme, ...
        raise UsageError(f"{source}: cannot be read through Hadoop: {java_message(error)}") from None
    if not status.isFile():
        raise UsageError(f"{source}: not a file (name each capture file: a folder's files would be one source)")


def java_message(error):
    java = getattr(error, "java_exception", None)
    return str(java.getMessage()) if java is not None else str(error)


class UsageError(Exception):
    pass


def write_private(path, data):
    """Creates path (never an existing file or link) readable by this user only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def merge(args, inputs):
    """`replstat merge` once per format; returns the exit status of the job."""
    status = 0
    said = set()
    for name in args.formats:
        # Merge takes no partial of an analysis with longer lines than its own --max-line-bytes.
        argv = [args.replstat, "merge", f"--format={name}", f"--out={args.out}",
                *(["--strict"] if args.strict else []),
                *[setting for setting in args.settings if setting.startswith("--max-line-bytes=")], "--", *inputs]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode not in (0, 1, 3):
            sys.stderr.buffer.write(failure_message(argv, done.returncode, done.stderr).encode())
            return done.returncode if done.returncode == USAGE else JOB_FAILED
        # Every format's merge says the same about the sources: once is enough.
        if done.stderr not in said:
            sys.stderr.buffer.write(done.stderr)
            said.add(done.stderr)
        status = status or done.returncode
    return status


def task_failure(error):
    """The ReplstatFailure message inside Spark's report of a failed job, when there is one."""
    text = str(error)
    found = re.search(r"ReplstatFailure: (.*?)(?:\s+SQLSTATE: |\n\s+at |\n\nDriver stacktrace|\Z)", text, re.DOTALL)
    return found.group(1).rstrip() if found else text


def main(argv):
    args = parse_arguments(argv)
    check_settings(args)
    from pyspark import SparkConf, SparkContext

    sc = SparkContext(conf=SparkConf().setAppName("replstat"))
    folder = tempfile.mkdtemp(prefix="replstat-spark-")
    try:
        try:
            inputs = run_job(args, sc, folder)
        except UsageError as error:
            print(f"replstat_spark.py: {error}", file=sys.stderr)
            return USAGE
        except Exception as error:  # a failed task arrives as Py4JJavaError; a driver-side check as itself
            print(f"replstat_spark.py: the job failed: {task_failure(error)}", file=sys.stderr)
            return JOB_FAILED
        finally:
            sc.stop()
        return merge(args, inputs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
