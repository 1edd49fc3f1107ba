"""The front door: one module per command, to read first, top-down.

``migrator.commands.scan``, ``.apply`` and ``.check`` each hold one command's workflow: what is
checked before any work, what is computed (by ``migrator.scan``, ``migrator.apply`` and
``migrator.check``), what is written and where (through ``migrator.vcs`` and
``migrator.writer``), and the exit code, returned as a value.  They never touch the terminal:
``migrator.cli`` parses the options, passes in what asks, shows progress or renders, and turns
the exit code into the process's."""
