"""The `maillage` command: options are parsed here, the work is done by the stages' packages."""
