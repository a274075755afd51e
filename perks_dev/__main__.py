"""`python -m perks_dev ...`: the development commands (`make run`, `make demo-order`)."""

from perks_dev.cli import dev_commands

dev_commands()
