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


OLD_SPEC = """\
name: train
notebook: notebook.ipynb
workdir: ../..
kernel: python3
timeout: 600
parameters:
  alpha: {type: float, default: 0.5, help: regularisation}
inputs: []
outputs: {metrics: [accuracy], artifacts: []}
gates:
  - {metric: accuracy, op: ">=", value: 0.9}
  - {metric: loss, op: "<", value: 1}
  - "f1 >= 0.5"
verify: {rtol: 1.0e-6, atol: 1.0e-9}
origin: {run_id: abc, notebook: ../../nb.ipynb, parameters_rule: tagged}
"""


def test_an_old_pipeline_yaml_keeps_loading(tmp_path):
    folder = tmp_path / "pipelines" / "train"
    folder.mkdir(parents=True)
    (folder / "pipeline.yaml").write_text(OLD_SPEC)
    spec = load_spec(folder)
    assert [str(g) for g in spec.gates] == ["accuracy >= 0.9", "loss < 1", "f1 >= 0.5"]
    assert spec.gates[0] == Gate("accuracy", ">=", 0.9)
    spec.save()  # written back in the {metric, op, value} form, read back the same
    assert "- metric: f1" in spec.spec_path.read_text()
    assert load_spec(folder).gates == spec.gates


@pytest.mark.parametrize(
    ("gates", "message"),
    [
        ('["acc >= current"]', "a pipeline gate compares the run's own metrics"),
        ("[{metric: acc, op: '=>', value: 1}]", "op one of"),
        ("[{metric: acc, op: '>=', value: high}]", "a numeric value"),
        ('["acc"]', "gates: expected a gate METRIC OP VALUE"),
        ("{acc: 1}", "a list of {metric, op, value} or of gate texts"),
    ],
)
def test_bad_gates_in_pipeline_yaml_are_refused(tmp_path, gates, message):
    (tmp_path / "pipeline.yaml").write_text(f"name: p\ngates: {gates}\n")
    with pytest.raises(InvalidArgument, match="gates") as info:
        load_spec(tmp_path)
    assert message in str(info.value)


def test_pipeline_gates_take_the_gate_language_but_not_current():
    from jupyter_mlops.pipeline.spec import pipeline_gates
    from jupyter_mlops.registry.gate_rules import parse_gates

    text = "acc >= 0.9; loss < 0.2\nf1>=.5"
    assert pipeline_gates(text) == tuple(parse_gates(text))
    assert pipeline_gates(["acc >= 0.9", "loss < 0.2; f1>=.5"]) == tuple(parse_gates(text))
    with pytest.raises(InvalidArgument, match="'current' compares with the model version"):
        pipeline_gates("acc >= current")
