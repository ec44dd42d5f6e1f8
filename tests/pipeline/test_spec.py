"""pipeline.yaml: names, gates, round trip."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.pipeline.params import ParamSpec
from jupyter_mlops.pipeline.spec import (
    Gate,
    PipelineSpec,
    check_pipeline_name,
    find_pipeline,
    load_spec,
)


@pytest.mark.parametrize("name", ["a/b", "../evil", "a\\b", "/abs", "..", "", "x" * 101, "-x"])
def test_pipeline_names_with_path_separators_are_refused(name):
    with pytest.raises(InvalidArgument, match="no path separators"):
        check_pipeline_name(name)


def test_gates_parse_and_check():
    gate = Gate.parse("accuracy >= 0.9")
    assert (gate.metric, gate.op, gate.value) == ("accuracy", ">=", 0.9)
    assert gate.check({"accuracy": 0.95}) == (True, 0.95)
    assert gate.check({"accuracy": 0.5})[0] is False
    assert gate.check({}) == (False, None)
    assert Gate.parse("loss<0.1").check({"loss": 0.05})[0]
    for bad in ("accuracy", "accuracy >= high", "acc => 1"):
        with pytest.raises(InvalidArgument, match="gate"):
            Gate.parse(bad)


def test_spec_round_trips_through_yaml(tmp_path):
    spec = PipelineSpec(
        name="train",
        folder=tmp_path / "train",
        parameters={"alpha": ParamSpec("alpha", "float", 0.5, help="reg")},
        gates=(Gate("acc", ">=", 0.9),),
        metrics=("acc",),
        origin={"run_id": "abc", "parameters_rule": "tagged"},
    )
    spec.save()
    back = load_spec(tmp_path / "train")
    assert back.parameters == spec.parameters
    assert back.gates == spec.gates
    assert back.origin_run_id == "abc"
    assert back.folder == spec.folder.resolve()


def test_unknown_pipeline_is_not_found(mlops_home):
    with pytest.raises(NotFound, match="promote a notebook first"):
        find_pipeline("nothing-here")


def test_pipeline_by_name_never_takes_a_path_that_exists(mlops_home, tmp_path):
    from jupyter_mlops.pipeline.spec import pipeline_by_name

    folder = tmp_path / "elsewhere" / "pipelines" / "p"
    PipelineSpec(name="p", folder=folder).save()
    assert find_pipeline(folder).name == "p"  # the CLI takes paths...
    for ref in (str(folder), str(folder / "pipeline.yaml"), "elsewhere/pipelines/p"):
        with pytest.raises(InvalidArgument, match="no path separators"):
            pipeline_by_name(ref)  # ...a name lookup does not
    assert pipeline_by_name("p", root=tmp_path / "elsewhere").folder == folder.resolve()
    with pytest.raises(NotFound):
        pipeline_by_name("p", root=tmp_path)
