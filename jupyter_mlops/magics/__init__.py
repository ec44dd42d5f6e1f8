"""``%mlops`` and ``%%mlops``: argument parsing and one call into the core each."""

from __future__ import annotations

from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Bool

from ..tracking.cells import capture_for
from . import router


@magics_class
class MlopsMagics(Magics):
    """Configurable with ``%config MlopsMagics.<trait> = ...``."""

    capture_cells = Bool(
        True, help="Record every executed cell (source, count, duration) while a run is open."
    ).tag(config=True)

    def __init__(self, shell=None, **kwargs) -> None:
        super().__init__(shell=shell, **kwargs)
        self.capture = capture_for(shell, create=True)
        if self.capture_cells:
            self.capture.register()
        else:
            self.capture.unregister()
        self.observe(self._capture_changed, names="capture_cells")

    def _capture_changed(self, change) -> None:
        if change["new"]:
            self.capture.register()
        else:
            self.capture.unregister()

    @line_cell_magic
    def mlops(self, line: str, cell: str | None = None):
        """Experiment tracking from notebooks: ``%mlops help`` lists the subcommands."""
        __tracebackhide__ = True
        return router.dispatch(self, line, cell)


def _register_subcommands() -> None:
    # Each module registers its subcommands on import.
    from . import basics, data, evaluate, monitor, pipeline, registry, tracking, views  # noqa: F401


def load_ipython_extension(ipython) -> None:
    _register_subcommands()
    magics = MlopsMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython._mlops_magics = magics


def unload_ipython_extension(ipython) -> None:
    magics = getattr(ipython, "_mlops_magics", None)
    if magics is not None:
        magics.capture.unregister()
        del ipython._mlops_magics
