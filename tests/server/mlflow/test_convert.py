"""MLflow's JSON shapes: a search page's runs written as text are get-run's runs."""

from __future__ import annotations

import json
import math

from jupyter_mlops.server.mlflow import convert
from jupyter_mlops.store import get_store, remote_runs
from jupyter_mlops.tracking import experiments, mlflow_query, remote

ODD = 'quote " backslash \\ newline \n tab \t é 中 \U0001f600 </script>'


def test_search_json_is_get_runs_json_for_every_kind_of_value(mlops_home) -> None:
    exp = experiments.create_experiment("odd").experiment_id
    first = remote.create_run(exp, name=ODD, user=ODD, tags={"odd": ODD, "t": ""})
    rid = first["info"].run_id
    points = [("nan", math.nan, 1.5, 0), ("inf", math.inf, 2.25, 3), ("neg", -1e-300, 3.0, -2)]
    points += [("a key/with:spaces", 1e17, 4.125, 2**40), ("zero", -0.0, 5.0, 1)]
    remote.log_batch(rid, points, {"odd": ODD, "empty": ""})
    remote.update_run(rid, status="FAILED", end_time=1234.5678)
    record = {"name": ODD, "digest": "d1", "source_type": "local", "tags": {"odd": ODD}}
    remote_runs.write_inputs(get_store(), rid, [record], [])
    remote.create_run(exp)  # nothing logged
    page = mlflow_query.search_summaries([exp])
    assert len(page) == 2
    reply = json.loads(convert.runs_page([convert.summary_json(r) for r in page], "tok"))
    assert reply["next_page_token"] == "tok"
    expected = [convert.run(remote.get_run(r.row[0])) for r in page]
    assert reply["runs"] == expected
    assert json.loads(convert.runs_page([], None)) == {"runs": []}
