"""``%mlops help``."""

from __future__ import annotations

from .router import SUBCOMMANDS, subcommand


@subcommand("help", "list the subcommands")
def help_(magics, line: str, cell: str | None) -> None:
    width = max(len(n) for n in SUBCOMMANDS)
    for name in sorted(SUBCOMMANDS):
        sub = SUBCOMMANDS[name]
        prefix = "%%mlops" if sub.cell else "%mlops "
        print(f"{prefix} {name.ljust(width)}  {sub.help}")
