"""``%mlops help [SUBCOMMAND]``."""

from __future__ import annotations

from IPython.core.error import UsageError

from .router import SUBCOMMANDS, subcommand


@subcommand("help", "list the subcommands; %mlops help NAME shows one's options")
def help_(magics, line: str, cell: str | None) -> None:
    name = line.strip()
    if name:
        _help_for(name)
        return
    width = max(len(n) for n in SUBCOMMANDS)
    for name in sorted(SUBCOMMANDS):
        sub = SUBCOMMANDS[name]
        prefix = "%%mlops" if sub.cell else "%mlops "
        print(f"{prefix} {name.ljust(width)}  {sub.help}")
    print("\n%mlops help NAME shows the options of one subcommand")


def _help_for(name: str) -> None:
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        raise UsageError(f"unknown %mlops subcommand {name!r}; try: %mlops help")
    usage = getattr(sub.func, "usage", None)
    if usage is None:
        print(f"%mlops {name}: {sub.help}")
        return
    prefix, parser = usage
    text = parser.format_help().replace("::\n\n", "", 1).replace(f"%{parser.prog}", prefix, 1)
    print(f"{prefix}: {sub.help}\n\n{text}")
