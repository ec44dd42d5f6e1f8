"""The registry through the real server: models, versions, lineage, alias moves with gates."""

from __future__ import annotations

import pytest

import jupyter_mlops as mlops


@pytest.fixture
def model(mlops_home):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    fitted = LogisticRegression(max_iter=300).fit(X, y)
    for acc in (0.8, 0.9):
        with mlops.start_run(f"train-{acc}", capture_context=False):
            mlops.log_metric("acc", acc)
            mlops.register_model("iris", fitted)
    return "iris"


async def test_models_and_versions(api, model):
    status, body = await api("models")
    assert status == 200
    assert [m["name"] for m in body["models"]] == ["iris"]
    assert body["models"][0]["latest_version"] == 2
    status, body = await api("models/iris")
    assert status == 200
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["versions"][0]["run_id"]


async def test_lineage(api, model):
    status, body = await api("models/iris/versions/2/lineage")
    assert status == 200
    assert body["version"]["version"] == 2
    assert body["run"]["name"] == "train-0.9"


async def test_move_alias_with_reason_records_an_event(api, model):
    status, body = await api(
        "models/iris/aliases/production",
        method="POST",
        body={"version": 2, "reason": "better accuracy", "require": {"acc": ">= 0.85"}},
    )
    assert status == 200, body
    assert body["promotion"]["version"] == 2
    assert body["promotion"]["results"][0]["passed"] is True
    assert mlops.get_model("iris").aliases == {"production": 2}
    status, body = await api("models/iris/aliases")
    assert body["moves"][0]["to_version"] == 2
    assert body["moves"][0]["reason"] == "better accuracy"
    status, body = await api("events", params={"entity_id": "iris", "kind": "model.alias_*"})
    assert body["events"][0]["reason"] == "better accuracy"


async def test_failed_gate_is_refused_with_the_gate_results(api, model):
    status, body = await api(
        "models/iris/aliases/production",
        method="POST",
        body={"version": 1, "reason": "try", "require": {"acc": ">= 0.85"}},
    )
    assert status == 400
    assert body["error"] == "GateFailed"
    assert body["details"][0]["passed"] is False
    assert mlops.get_model("iris").aliases == {}


async def test_move_alias_bad_bodies(api, model):
    for body, argument in [
        ({"reason": "x"}, "version"),
        ({"version": 2}, "reason"),
        ({"version": 2, "reason": "x", "force": "yes"}, "force"),
        ({"version": 2, "reason": "x", "require": ["acc"]}, "require"),
    ]:
        status, reply = await api("models/iris/aliases/production", method="POST", body=body)
        assert status == 400, body
        assert argument in reply["message"]
    status, reply = await api(
        "models/iris/aliases/production", method="POST", body={"version": 9, "reason": "x"}
    )
    assert status == 404
    assert mlops.get_model("iris").aliases == {}


async def test_unknown_model_is_404(api, mlops_home):
    status, body = await api("models/nope")
    assert status == 404
    assert "nope" in body["message"]


@pytest.mark.parametrize(
    "require",
    [
        "acc >= current - 0.15\nacc<1",
        ["acc >= current - 0.15", "acc<1"],
        ["acc >= current - 0.15; acc<1"],
    ],
)
async def test_require_as_text_or_a_list_gives_the_core_gates(api, model, require):
    from jupyter_mlops.registry.gate_rules import parse_gates

    mlops.promote_model("iris", 2)
    status, body = await api(
        "models/iris/aliases/production",
        method="POST",
        body={"version": 1, "reason": "roll back", "require": require},
    )
    assert status == 200, body
    got = [(r["metric"], r["rule"]) for r in body["promotion"]["results"]]
    assert got == [(g.metric, g.rule) for g in parse_gates(require)]
    assert got == [("acc", ">= current - 0.15"), ("acc", "< 1")]
    assert mlops.get_model("iris").aliases == {"production": 1}


async def test_a_bad_line_in_require_is_refused_naming_it(api, model):
    status, reply = await api(
        "models/iris/aliases/production",
        method="POST",
        body={"version": 2, "reason": "x", "require": "acc >= 0.5\nacc about 0.9"},
    )
    assert status == 400
    assert reply["error"] == "InvalidArgument"
    assert reply["message"].startswith("require: expected a gate METRIC OP VALUE")
    assert "got 'acc about 0.9'" in reply["message"]
    assert mlops.get_model("iris").aliases == {}


async def test_move_alias_on_an_evaluation_snapshot(api, model):
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    mlops.snapshot(frame, "holdout")
    mlops.promote_model("iris", 1)
    body = {"version": 2, "reason": "x", "require": "accuracy >= current", "on": "holdout@latest"}
    status, reply = await api("models/iris/aliases/production", method="POST", body=body)
    assert status == 200, reply
    (check,) = reply["promotion"]["results"]
    assert check["passed"] and check["interval"] == [0.0, 0.0]  # the same model: no difference
    status, reply = await api(
        "models/iris/aliases/production", method="POST", body={**body, "tolerance": "big"}
    )
    assert status == 400 and reply["message"].startswith("tolerance: expected")
