"""Which types and functions a skops dump may contain without the user's say-so.

skops reads a dump without executing it and reports every type beyond its own
defaults (``get_untrusted_types``). Of those, only the names listed here are
accepted: scikit-learn's estimators (``all_estimators()``), the internal
classes fitted estimators hold (trees, losses, neighbour trees, distance
metrics, kernels, splitters, scorers) and concrete numpy/scipy types. No
module prefix is trusted: numpy and scikit-learn both ship functions that
execute strings or write files.

A function or other callable stored in a model (``FunctionTransformer.func``
and ``inverse_func``, a callable in ``kw_args``, a ``partial``, a bound
method, an ``operator`` getter, a builtin) is called with data of the file's
choosing at predict time, so each one must be named by the user, even those
skops trusts by default (numpy ufuncs). The only functions accepted unnamed
are those scikit-learn itself puts in a model: parameter defaults
(``SelectKBest(score_func=f_classif)``) and the metrics behind its named
scorers.
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import InvalidArgument

Trust = bool | Sequence[str]

# skops loaders that rebuild something callable rather than data.
CALLABLE_LOADERS = frozenset({"FunctionNode", "MethodNode", "PartialNode", "OperatorFuncNode"})
_BUILTIN_VALUE_TYPES = ("int", "float", "complex", "bool", "str", "bytes", "tuple", "list", "dict")
_BUILTIN_VALUE_TYPES += ("set", "frozenset", "slice", "NoneType")


def check_trusted(trusted: Any) -> bool | frozenset[str]:
    """``True``/``False``, or the names the user vouches for as a frozenset."""
    if isinstance(trusted, bool):
        return trusted
    if (
        isinstance(trusted, Sequence | set | frozenset)
        and not isinstance(trusted, str | bytes)
        and all(isinstance(t, str) and t for t in trusted)
    ):
        return frozenset(trusted)
    raise InvalidArgument(
        "trusted",
        "True, False or a list of type/function names such as ['numpy.log1p']",
        trusted,
    )


def _name(t: Any) -> str:
    return f"{t.__module__}.{t.__name__}"


def _subclasses_in(module: Any, bases: tuple[type, ...]) -> list[str]:
    return [
        _name(v)
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, bases) and v.__module__.startswith("sklearn")
    ]


def _sklearn_internals() -> list[str]:
    """Non-estimator scikit-learn classes that fitted models hold (data, no callables)."""
    names = []
    groups = {
        "sklearn.tree._tree": ["Tree"],
        "sklearn.ensemble._hist_gradient_boosting.predictor": ["TreePredictor"],
        "sklearn.ensemble._hist_gradient_boosting.binning": ["_BinMapper"],
        "sklearn.neighbors": ["KDTree", "BallTree"],
        "sklearn.utils._bunch": ["Bunch"],
        "sklearn.compose._column_transformer": ["_RemainderColsList"],
        "sklearn.calibration": ["_CalibratedClassifier", "_SigmoidCalibration"],
        "sklearn.multiclass": ["_ConstantPredictor"],
        "sklearn.metrics._scorer": ["_Scorer", "_PassthroughScorer", "_MultimetricScorer"],
    }
    import importlib

    for module_name, attrs in groups.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        names += [_name(getattr(module, a)) for a in attrs if hasattr(module, a)]
    from sklearn._loss import link, loss
    from sklearn.gaussian_process import kernels
    from sklearn.metrics import _dist_metrics as dist
    from sklearn.model_selection import _split

    names += _subclasses_in(link, (link.BaseLink, link.Interval))
    names += _subclasses_in(loss, (loss.BaseLoss,))
    names += [*_subclasses_in(kernels, (kernels.Kernel,)), _name(kernels.Hyperparameter)]
    names += _subclasses_in(_split, (_split.BaseCrossValidator, _split.BaseShuffleSplit))
    metrics = _subclasses_in(dist, (dist.DistanceMetric32, dist.DistanceMetric64))
    names += [m for m in metrics if ".PyFunc" not in m]  # PyFuncDistance wraps a user function
    return names


def _numpy_scipy() -> list[str]:
    import numpy as np
    import scipy.sparse

    names = ["numpy.ndarray", "numpy.ma.MaskedArray", "numpy.ma.core.MaskedArray", "numpy.dtype"]
    names += ["numpy.random.mtrand.RandomState", "numpy.random._generator.Generator"]
    names += [
        f"numpy.random.{a}"
        for a in dir(np.random)
        if isinstance(v := getattr(np.random, a), type)
        and issubclass(v, np.random.BitGenerator)
        and v is not np.random.BitGenerator
    ]
    names += [_name(t) for t in set(np.sctypeDict.values())]
    names += [_name(t) for t in vars(np.dtypes).values() if isinstance(t, type)]
    names += [
        _name(t)
        for t in vars(scipy.sparse).values()
        if isinstance(t, type) and issubclass(t, scipy.sparse.sparray | scipy.sparse.spmatrix)
    ]
    return names


@functools.cache
def allowed_types() -> frozenset[str]:
    """Every class a dump may build without trust, by full name (never a prefix)."""
    from sklearn.utils import all_estimators

    estimators = [_name(cls) for _, cls in all_estimators()]
    return frozenset(
        [n for n in estimators if n.startswith("sklearn.")] + _sklearn_internals() + _numpy_scipy()
    )


@functools.cache
def value_types() -> frozenset[str]:
    """Classes that may be stored as values (``dtype=np.float64``, a dict's key types)."""
    import numpy as np

    dtypes = [_name(t) for t in set(np.sctypeDict.values())]
    builtins = [f"builtins.{t}" for t in _BUILTIN_VALUE_TYPES]
    return frozenset(dtypes + builtins) | allowed_types()


@functools.cache
def sklearn_functions() -> frozenset[str]:
    """Functions scikit-learn itself stores in models: parameter defaults and scorer metrics."""
    from sklearn.metrics import get_scorer, get_scorer_names
    from sklearn.utils import all_estimators

    found = set()
    for _, cls in all_estimators():
        try:
            params = inspect.signature(cls.__init__).parameters.values()
        except (TypeError, ValueError):
            continue
        found.update(
            _name(p.default)
            for p in params
            if inspect.isfunction(p.default) and p.default.__module__.startswith("sklearn.")
        )
    for scorer in get_scorer_names():
        func = getattr(get_scorer(scorer), "_score_func", None)
        if inspect.isfunction(func) and func.__module__.startswith("sklearn."):
            found.add(_name(func))
    return frozenset(found)


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "__loader__" in node:
            yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def stored_callables(data: bytes) -> set[str]:
    """Names of the functions, methods and other callables a skops dump would rebuild."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        schema = json.loads(z.read("schema.json"))
    found = set()
    for node in _nodes(schema):
        loader, name = node["__loader__"], f"{node.get('__module__')}.{node.get('__class__')}"
        if loader == "MethodNode":
            found.add(f"{name}.{node.get('content', {}).get('func')}")
        elif loader in CALLABLE_LOADERS:
            found.add(name)
        elif loader == "TypeNode" and name not in value_types():
            found.add(name)  # a builtin function or a class nobody listed, stored as a value
    return found - sklearn_functions()


def untrusted(data: bytes, named: frozenset[str] = frozenset()) -> list[str]:
    """What in this dump is neither allowed here nor named by the user, sorted."""
    import skops.io as sio

    accepted = allowed_types() | sklearn_functions() | named
    unknown = {t for t in sio.get_untrusted_types(data=data) if t not in accepted}
    return sorted(unknown | (stored_callables(data) - named))
