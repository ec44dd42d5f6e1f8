"""Executing a notebook with papermill in a kernel of our choosing, with our environment.

Papermill's own engine rewrites the whole output notebook when each cell starts
and ends, a cost that grows with the square of the cell count; we call it with
``request_save_on_cell_execute=False`` so the notebook is written once, at the
end. Our engine (registered as ``mlops``) differs from papermill's nbclient
engine in three ways: the kernel runs over IPC where it can (see ``kernels``);
it gets an explicit environment (the pipeline run to attach to, the store),
so nothing touches this process's ``os.environ``; and the notebook object is
kept even when the kernel dies or a cell times out, so the partial output can
still be saved.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from ..kernels import kernel_config

ENGINE = "mlops"
FALLBACK_KERNEL = "python3"


class MlopsEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        env = kwargs.pop("kernel_env", None)
        holder = kwargs.pop("holder", None)
        if holder is not None:
            holder["nb"] = nb_man.nb
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, **final)
        return client.execute(**({"env": env} if env is not None else {}))


papermill_engines.register(ENGINE, MlopsEngine)


def installed_kernels() -> set[str]:
    return set(KernelSpecManager().find_kernel_specs())


def resolve_kernel(
    nb: nbformat.NotebookNode, override: str | None = None
) -> tuple[str, str | None]:
    """(kernel name to use, warning or None): an uninstalled kernel falls back to Python."""
    wanted = override or nb.metadata.get("kernelspec", {}).get("name") or FALLBACK_KERNEL
    if wanted in installed_kernels():
        return wanted, None
    return FALLBACK_KERNEL, (
        f"kernel {wanted!r} is not installed here; running with the current Python kernel "
        f"({FALLBACK_KERNEL!r}) instead"
    )


def execute(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str,
    cwd: Path,
    env: dict[str, str],
    timeout: float | None,
    progress: bool,
    holder: dict[str, Any],
) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` injected; the output is written once, at the end."""
    with warnings.catch_warnings(), kernel_config() as config:
        warnings.filterwarnings("ignore", message=".*Passed unknown parameter.*")
        return papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters or None,
            engine_name=ENGINE,
            request_save_on_cell_execute=False,
            kernel_name=kernel_name,
            progress_bar=progress,
            cwd=str(cwd),
            start_timeout=60,
            execution_timeout=int(timeout) if timeout else None,
            kernel_env=env,
            holder=holder,
            config=config,
        )
