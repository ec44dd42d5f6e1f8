"""MLflow's filter and order-by texts translated for the store, each text parsed once."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.tracking import mlflow_query
from jupyter_mlops.tracking.filters import Comparison, OrderBy


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The texts ``filters`` parsed, with the translation caches emptied first."""
    mlflow_query._translated_filter.cache_clear()
    mlflow_query._translated_order_by.cache_clear()
    seen: list[str] = []
    real_filter, real_order = mlflow_query.parse_filter, mlflow_query.parse_order_by
    monkeypatch.setattr(mlflow_query, "parse_filter", lambda t: seen.append(t) or real_filter(t))
    monkeypatch.setattr(mlflow_query, "parse_order_by", lambda t: seen.append(t) or real_order(t))
    return seen


def test_a_repeated_search_is_parsed_once(parses) -> None:
    text = "metrics.acc > 0.5 and attributes.start_time >= 1500"
    first = mlflow_query.translate_filter(text)
    assert mlflow_query.translate_filter(text) == first and len(parses) == 1
    assert first == (
        Comparison("metric", "acc", ">", 0.5),
        Comparison("attribute", "start_time", ">=", 1.5),
    )
    order = mlflow_query.translate_order_by(["metrics.acc DESC"])
    assert mlflow_query.translate_order_by(("metrics.acc DESC",)) == order
    assert order == (OrderBy("metric", "acc", descending=True),) and len(parses) == 2


def test_a_refused_text_is_refused_every_time(parses) -> None:
    for _ in range(2):
        with pytest.raises(InvalidArgument, match="filter"):
            mlflow_query.translate_filter("params.depth = 3")
        with pytest.raises(InvalidArgument, match="order_by"):
            mlflow_query.translate_order_by(["metrics.acc SIDEWAYS"])
    assert mlflow_query._translated_filter.cache_info().currsize == 0


def test_a_long_text_is_translated_without_being_kept(parses) -> None:
    text = " and ".join(f"params.p{i} = '{i}'" for i in range(200))
    assert len(text) > mlflow_query._CACHED_TEXT
    assert len(mlflow_query.translate_filter(text)) == 200
    assert mlflow_query._translated_filter.cache_info().currsize == 0
