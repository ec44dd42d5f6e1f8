"""``%mlops`` and ``%%mlops``: argument parsing and one call into the core each."""

from __future__ import annotations

from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import router


@magics_class
class MlopsMagics(Magics):
    """Configurable with ``%config MlopsMagics.<trait> = ...``."""

    @line_cell_magic
    def mlops(self, line: str, cell: str | None = None):
        return router.dispatch(self, line, cell)


def _register_subcommands() -> None:
    # Each module registers its subcommands on import.
    from . import basics, data, pipeline, registry, tracking, views  # noqa: F401


def load_ipython_extension(ipython) -> None:
    _register_subcommands()
    ipython.register_magics(MlopsMagics)


def unload_ipython_extension(ipython) -> None:
    pass
