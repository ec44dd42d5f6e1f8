"""Gates on evaluations: promote_model(..., on=SNAPSHOT) reads paired evaluations, by slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

import jupyter_mlops as mlops
from jupyter_mlops.cli import main
from jupyter_mlops.errors import InvalidArgument, NotFound
from jupyter_mlops.store.evaluations import list_for_model

FEATURES = ["s1", "s2"]


def holdout(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Outside smb the label follows s1; inside smb (a quarter of the rows) it follows s2."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["smb", "enterprise", "consumer"], size=n, p=[0.25, 0.4, 0.35])
    smb = segment == "smb"
    s1, s2 = np.where(smb, 0.0, rng.normal(size=n)), np.where(smb, rng.normal(size=n), 0.0)
    churned = (rng.random(n) < 1 / (1 + np.exp(-4 * (s1 + s2)))).astype(int)
    return pd.DataFrame({"s1": s1, "s2": s2, "segment": segment, "churned": churned})


def fit(frame: pd.DataFrame, columns: list[str]) -> LogisticRegression:
    x = frame[FEATURES].copy()
    for c in FEATURES:
        if c not in columns:
            x[c] = 0.0  # the model takes both columns, ignores this one
    return LogisticRegression().fit(x, frame["churned"])


@pytest.fixture
def data(mlops_home) -> pd.DataFrame:
    frame = holdout()
    mlops.snapshot(frame, "holdout")
    return frame


def _evaluations(name: str) -> int:
    return len(list_for_model(mlops.get_store(), name))


def test_a_candidate_worse_on_one_slice_is_refused_naming_the_slice(data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.register_model("churn", fit(holdout(seed=1), ["s1"]))  # blind inside smb
    mlops.promote_model("churn", 1)
    gates = {"accuracy[segment=smb]": ">= 0.7", "accuracy[segment=enterprise]": ">= 0.7"}
    with pytest.raises(mlops.GateFailed) as info:
        mlops.promote_model("churn", 2, require=gates, on="holdout@latest", target="churned")
    smb, enterprise = info.value.results
    assert not smb.passed and smb.candidate < 0.65 and smb.slice.startswith("segment=smb (")
    assert enterprise.passed and enterprise.interval[0] < enterprise.candidate
    message = str(info.value)
    assert "1 gate(s) failed" in message and "segment=smb" in message and "interval" in message
    assert mlops.get_model_version("churn@production").version == 1


def test_max_slice_gap_and_current_by_slice(data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.register_model("churn", fit(holdout(seed=1), ["s1"]))
    mlops.promote_model("churn", 1)
    text = "max_slice_gap(accuracy, segment) <= 0.05; accuracy[segment=smb] >= current - 0.05"
    with pytest.raises(mlops.GateFailed) as info:
        mlops.promote_model("churn", 2, require=text, on="holdout@latest", target="churned")
    gap, smb = info.value.results
    assert gap.metric == "max_slice_gap(accuracy, segment)" and gap.candidate > 0.2
    assert "smb" in gap.slice and not gap.passed
    assert not smb.passed and smb.interval[1] < -0.05 and "candidate - version 1" in smb.detail


def test_equal_within_noise_passes_with_tolerance_and_not_without(data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.register_model("churn", fit(holdout(seed=2), ["s1", "s2"]))  # another sample, same fit
    mlops.promote_model("churn", 1)
    kw = dict(require="accuracy >= current", on="holdout@latest", target="churned")
    with pytest.raises(mlops.GateFailed) as info:
        mlops.promote_model("churn", 2, **kw)
    (check,) = info.value.results
    low, high = check.interval
    assert low < 0 < high  # within noise: neither significantly worse nor better
    assert "needs low >= 0" in check.detail
    result = mlops.promote_model("churn", 2, tolerance=-low + 0.001, **kw)
    assert result.results[0].passed and result.results[0].interval == (low, high)
    assert mlops.get_model_version("churn@production").version == 2


def test_a_clearly_better_candidate_passes_and_lower_is_better_mirrors(data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1"]))
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.promote_model("churn", 1)
    result = mlops.promote_model(
        "churn",
        2,
        require={"accuracy": ">= current", "log_loss": "<= current", "f1": ">= 0.7"},
        on="holdout@latest",
        target="churned",
    )
    acc, loss, f1 = result.results
    assert acc.passed and acc.interval[0] > 0 and loss.passed and loss.interval[1] < 0
    assert f1.passed and f1.threshold == 0.7 and f1.interval[0] <= f1.candidate
    with pytest.raises(InvalidArgument, match=r"log_loss <= current' \(log_loss is lower"):
        mlops.promote_model("churn", 1, require="log_loss >= current", on="holdout@latest")


def test_evaluations_are_reused_by_a_second_promotion(data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.register_model("churn", fit(holdout(seed=1), ["s1"]))
    mlops.promote_model("churn", 1)
    kw = dict(require="accuracy[segment=smb] >= current", on="holdout@latest", target="churned")
    with pytest.raises(mlops.GateFailed):
        mlops.promote_model("churn", 2, **kw)
    assert _evaluations("churn") == 2
    with pytest.raises(mlops.GateFailed):
        mlops.promote_model("churn", 2, **kw)
    assert _evaluations("churn") == 2


def test_the_target_comes_from_the_signature_when_it_can_tell(mlops_home):
    frame = holdout()
    mlops.snapshot(frame[["s1", "s2", "churned"]], "plain")
    mlops.snapshot(frame, "holdout")
    mlops.register_model("churn", fit(frame, ["s1", "s2"]))
    result = mlops.promote_model("churn", 1, require="accuracy >= 0.6", on="plain@latest")
    assert result.results[0].passed
    with pytest.raises(InvalidArgument, match=r"^target: expected the target column of holdout@1"):
        mlops.promote_model("churn", 1, require="accuracy >= 0.6", on="holdout@latest")


def test_bad_input_is_a_clear_error_and_moves_nothing(data):
    mlops.register_model("churn", fit(data, ["s1", "s2"]))
    with pytest.raises(NotFound, match="nosuch"):
        mlops.promote_model("churn", 1, require="accuracy >= 0.5", on="nosuch@latest")
    with pytest.raises(InvalidArgument, match=r"^require: .*needs on=SNAPSHOT"):
        mlops.promote_model("churn", 1, require="f1[segment=smb] >= 0.7")
    with pytest.raises(InvalidArgument, match=r"^target: expected on=SNAPSHOT too"):
        mlops.promote_model("churn", 1, require="accuracy >= 0.5", target="churned")
    with pytest.raises(InvalidArgument, match=r"^tolerance: expected a non-negative number"):
        mlops.promote_model("churn", 1, on="holdout@latest", target="churned", tolerance=-1)
    with pytest.raises(InvalidArgument, match=r"^require: expected a value of segment"):
        mlops.promote_model("churn", 1, require="f1[segment=smbx] >= 0", on="holdout@latest")
    with pytest.raises(InvalidArgument, match=r"a metric an evaluation has \(accuracy, "):
        mlops.promote_model("churn", 1, require="auc >= 0.5", on="holdout@latest", target="churned")
    with pytest.raises(NotFound):
        mlops.get_model_version("churn@production")  # nothing moved
    assert _evaluations("churn") == 1  # refused before anything was evaluated


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("f1[segment=smb >= 0.7", "Its '[' is not closed"),
        ("f1]segment >= 0.7", "Its ']' closes nothing"),
        ("f1[segment] >= 0.7", "a slice is METRIC[COLUMN=VALUE]"),
        ("max_slice_gap(accuracy) <= 0.1", "max_slice_gap takes a metric and a column"),
        ("gap(accuracy, segment) <= 0.1", "'gap' is not a gate function"),
    ],
)
def test_malformed_bracket_and_function_gates_are_parse_errors(text, hint):
    with pytest.raises(InvalidArgument, match=r"^require: expected a gate") as info:
        mlops.parse_gates(text)
    assert hint in str(info.value)


def test_bracket_and_function_gates_parse_in_text_and_mappings():
    text = mlops.parse_gates("accuracy >= current; f1[segment=smb]>=0.7")
    mapping = mlops.parse_gates(
        {"f1[segment = smb]": ">= 0.7", "max_slice_gap(accuracy, segment)": "<= 0.05"}
    )
    assert text[1] == mapping[0]
    assert (text[1].metric, text[1].column, text[1].slice_value) == ("f1", "segment", "smb")
    assert str(mapping[1]) == "max_slice_gap(accuracy, segment) <= 0.05"
    assert not text[0].needs_evaluation and mapping[1].needs_evaluation


def test_cli_passes_on_target_and_tolerance(data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.register_model("churn", fit(holdout(seed=1), ["s1"]))
    mlops.promote_model("churn", 1)
    args = ["models", "promote", "churn", "2", "-r", "accuracy[segment=smb] >= current"]
    args += ["--on", "holdout@latest", "--target", "churned", "--tolerance", "0.01", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert '"slice": "segment=smb' in result.output and '"interval": [' in result.output


def test_magic_passes_on_and_target(ip, data):
    mlops.register_model("churn", fit(holdout(seed=1), ["s1"]))
    mlops.register_model("churn", fit(holdout(seed=1), ["s1", "s2"]))
    mlops.promote_model("churn", 1)
    promotion = ip.run_line_magic(
        "mlops",
        "promote-model churn 2 -r 'accuracy >= current' --on holdout@latest --target churned "
        "--tolerance 0.01",
    )
    assert promotion.version == 2 and promotion.results[0].interval[0] > 0
    assert "<th>interval</th><th>slice</th>" in promotion._repr_html_()
