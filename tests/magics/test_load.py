"""``%load_ext jupyter_mlops`` stays light: the heavy parts of the core load on first use."""

from __future__ import annotations

import json

from tests.conftest import run_python

HEAVY = ["scipy.stats", "nbformat", "nbconvert", "sklearn", "skops", "papermill", "ipywidgets"]

CODE = f"""
import json, sys
from IPython.testing.globalipapp import start_ipython
ip = start_ipython()
ip.run_line_magic("load_ext", "jupyter_mlops")
ip.run_line_magic("mlops", "help")
loaded = [m for m in {HEAVY!r} if m in sys.modules]
ip.run_line_magic("mlops", "snapshots")  # a data subcommand loads the data core when used
print(json.dumps({{"after_load": loaded, "after_use": "jupyter_mlops.data.snapshot" in sys.modules}}))
"""


def test_load_ext_imports_none_of_the_heavy_modules(mlops_home):
    proc = run_python(CODE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["after_load"] == []
    assert result["after_use"] is True
