import ReplStatCommandLine
import ReplStatPipelineFile

// `replstat run` with the pipeline-file reader, started by `replstat` in its own place: the
// reader needs Yams, and with it Foundation and ICU, which the other commands do without (see
// README, Start-up).
PipelineReader.parse = PipelineFile.parse
ReplStat.main()
