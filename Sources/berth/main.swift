import BerthCLI
BerthCommandLine.main()
