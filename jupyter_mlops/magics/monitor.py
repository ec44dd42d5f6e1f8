"""%mlops monitor: declare, list, show, run and remove monitors of served models."""

from __future__ import annotations

from typing import Any

import jupyter_mlops as mlops  # the core, loaded lazily: %load_ext stays fast

from .router import argument, subcommand

ACTIONS = ("declare", "list", "show", "run", "history", "delete")


@subcommand(
    "monitor",
    "monitors of served models: %mlops monitor declare NAME --model churn@production "
    "--reference train@latest [--share 0.3] [--performance 'accuracy >= 0.9'] | "
    "list | show NAME | run [NAME] | history NAME | delete NAME",
)
@argument("action", choices=ACTIONS, metavar="ACTION", help="one of " + ", ".join(ACTIONS))
@argument("name", nargs="?", help="the monitor (run without NAME runs every monitor)")
@argument("--model", "-m", help="declare: the model, name@alias or name/3")
@argument(
    "--reference", "-r",
    help="declare: the reference snapshot (train@latest; an edit keeps the monitor's)",
)  # fmt: skip
@argument(
    "--share", type=float, default=0.3, help="declare: alert at this share of drifted columns"
)
@argument(
    "--performance", "-p", action="append",
    help="declare: gates such as 'accuracy >= 0.9; f1 >= 0.8' (repeatable)",
)  # fmt: skip
@argument("--on-alert", help="declare: retrain:PIPELINE (retrains on an alert) or pipeline:NAME")
def monitor_cmd(magics: Any, args: Any, cell: str | None) -> Any:
    """``show`` and ``history`` return the history frame (``.figure()`` plots it); ``run`` its result."""
    from IPython.core.error import UsageError

    if args.action not in ("list", "run") and not args.name:
        raise UsageError(f"%mlops monitor {args.action} needs NAME")
    if args.action == "declare":
        if not args.model:
            raise UsageError("%mlops monitor declare needs --model (e.g. churn@production)")
        return mlops.monitor(args.name, model=args.model, reference=args.reference,
                             drift={"share": args.share}, performance=args.performance,
                             on_alert=args.on_alert)  # fmt: skip
    if args.action == "list":
        return mlops.list_monitors()
    if args.action == "run":
        return mlops.run_monitor(args.name)
    if args.action == "delete":
        mlops.delete_monitor(args.name)
        return None
    return mlops.monitor_history(args.name)
