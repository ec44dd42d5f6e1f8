"""The views in a real kernel: widget state follows a selection; outputs keep a static fallback."""

from __future__ import annotations

import json

import nbformat
import papermill as pm
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.widgets.static import PLOTLY_MIME

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
pytestmark = pytest.mark.slow


def test_selection_changes_the_figure_state_in_a_kernel(seeded_runs, run_notebook, nb_outputs):
    nb = run_notebook(
        [
            "import json\nimport jupyter_mlops as mlops\n"
            "view = mlops.widgets.runs(select=[])\nview",
            "before = json.dumps(view.curves.outputs)\n"
            f"view.selector.value = ({seeded_runs[0]!r}, {seeded_runs[1]!r})\n"
            "after = view.curves.outputs[0]['data']['application/vnd.plotly.v1+json']['data']\n"
            "assert json.dumps(view.curves.outputs) != before\n"
            f"assert {{t['meta']['run_id'] for t in after}} == {{{seeded_runs[0]!r}, {seeded_runs[1]!r}}}\n"
            "print(len(after))",
        ]
    )
    outs = nb_outputs(nb)
    assert WIDGET_MIME in outs[0]["data"]
    assert outs[1]["text"].strip() == "2"
    # the widget state saved with the notebook holds the new figure, not plotly.js
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    figures = [
        o["data"][PLOTLY_MIME]
        for s in state.values()
        if s["model_name"] == "OutputModel"
        for o in s["state"].get("outputs", [])
    ]
    curves = [f for f in figures if f["layout"]["title"]["text"].startswith("metric curves")]
    assert [{t["meta"]["run_id"] for t in f["data"]} for f in curves] == [set(seeded_runs[:2])]
    assert len(json.dumps(state)) < 300_000


def test_papermill_output_keeps_the_static_mime_bundle(seeded_runs, make_notebook, tmp_path):
    source = make_notebook(
        ["import jupyter_mlops as mlops", "mlops.widgets.runs(experiment=EXPERIMENT)"], "pm"
    )
    nb = source.read_text()
    # a papermill parameters cell
    nb = json.loads(nb)
    nb["cells"].insert(
        0,
        {
            "cell_type": "code",
            "id": "parameters",
            "metadata": {"tags": ["parameters"]},
            "source": "EXPERIMENT = None",
            "outputs": [],
            "execution_count": None,
        },
    )
    source.write_text(json.dumps(nb))
    out = tmp_path / "pm_out.ipynb"
    pm.execute_notebook(
        str(source),
        str(out),
        parameters={"EXPERIMENT": "exp"},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    result = json.loads(out.read_text())
    data = [o.get("data", {}) for c in result["cells"] for o in c.get("outputs", [])]
    view = next(d for d in data if WIDGET_MIME in d)
    assert view[PLOTLY_MIME]["data"], "the static figure is in the output notebook"
    assert {t["meta"]["run_id"] for t in view[PLOTLY_MIME]["data"]} == set(seeded_runs[:3])
    assert "run3" in "".join(view["text/html"])
    assert "plotly.min.js" not in out.read_text() and len(out.read_bytes()) < 300_000


def test_a_drift_view_of_20_columns_adds_under_300_kb(run_notebook, drift_setup_code, nb_outputs):
    nb = run_notebook(
        [
            drift_setup_code,
            "view = mlops.widgets.drift('reference@latest', 'current@latest')\nview",
            "view.column_box.value = 'cat0'",
        ],
        "drift_size",
    )
    saved = len(nbformat.writes(nb).encode())
    bare = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    bare.metadata.pop("widgets", None)
    for cell in bare.cells[1:]:
        cell.outputs = []
    added = saved - len(nbformat.writes(bare).encode())
    print(f"drift view of 20 columns adds {added / 1024:.1f} KB")
    assert 1_000 < added <= 300_000
    view = nb_outputs(nb)[-1]["data"]
    assert "5 of 20 columns drifted" in view["text/html"] and view[PLOTLY_MIME]["data"]


def test_alias_move_through_the_widget_in_a_kernel(run_notebook, registry_setup_code, nb_outputs):
    nb = run_notebook(
        [
            registry_setup_code,
            "view = mlops.widgets.registry('iris', require={'accuracy': '>= current'})\nview",
            "view.select(1); view.reason_box.value = 'first'; view.move_button.click()\n"
            "view.select(2); view.reason_box.value = 'smaller'; view.move_button.click()\n"
            "print(mlops.get_model('iris').aliases)\nprint('FAIL' in view.result.value)",
        ],
        "registry_move",
    )
    assert nb_outputs(nb)[-1]["text"].split() == ["{'production':", "1}", "True"]
    history = mlops.alias_history("iris")
    assert list(history["reason"]) == ["first"] and list(history["via"]) == ["promote"]
    from jupyter_mlops.store import get_store
    from jupyter_mlops.store.events import list_events

    with get_store().db.session() as s:
        refused = list_events(s, kind="model.promotion_refused")
    assert [e.reason for e in refused] == ["smaller"]
