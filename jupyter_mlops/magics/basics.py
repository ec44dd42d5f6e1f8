"""``%mlops help [SUBCOMMAND]``."""

from __future__ import annotations

from IPython.core.error import UsageError

from .router import SUBCOMMANDS, argument, subcommand


@subcommand("help", "list the subcommands; %mlops help NAME shows one's options")
@argument("name", nargs="?", help="A subcommand: show its options.")
def help_(magics, args, cell: str | None) -> None:
    if args.name:
        _help_for(args.name)
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
    print(sub.format_help())
