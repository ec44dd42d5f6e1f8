"""Pipelines: promote a notebook, run it with parameters (papermill), sweep, CI, verify."""

from .catalog import PipelineInfo, list_pipelines
from .ci import write_workflow
from .params import ParamSpec
from .promote import NotebookPromotion, Promotion, promote_notebook
from .runner import CellFailure, GateResult, PipelineResult, run_pipeline
from .spec import Gate, PipelineSpec, find_pipeline, load_spec
from .sweep import SweepResult, run_sweep
from .verify import Verification, verify_pipeline

__all__ = [
    "CellFailure",
    "Gate",
    "GateResult",
    "NotebookPromotion",
    "ParamSpec",
    "PipelineInfo",
    "PipelineResult",
    "PipelineSpec",
    "Promotion",
    "SweepResult",
    "Verification",
    "find_pipeline",
    "list_pipelines",
    "load_spec",
    "promote_notebook",
    "run_pipeline",
    "run_sweep",
    "verify_pipeline",
    "write_workflow",
]
