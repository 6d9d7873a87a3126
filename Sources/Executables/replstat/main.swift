import ReplStatCommandLine

ReplStat.main()
