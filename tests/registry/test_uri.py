from __future__ import annotations

import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidArgument
from jupyter_mlops.registry.uri import (
    ModelRef,
    check_alias,
    check_model_name,
    check_version,
    parse_ref,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iris@production", ModelRef("iris", alias="production")),
        ("iris@latest", ModelRef("iris", alias="latest")),
        ("iris", ModelRef("iris", alias="latest")),
        ("iris/3", ModelRef("iris", version=3)),
        ("iris@3", ModelRef("iris", version=3)),
        ("models:/iris@staging", ModelRef("iris", alias="staging")),
        ("models:/iris/12", ModelRef("iris", version=12)),
        ("my-model.v2@champion_1", ModelRef("my-model.v2", alias="champion_1")),
    ],
)
def test_parse_ref_forms(text, expected):
    assert parse_ref(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "  ", "iris/", "iris/x", "iris/0", "iris@", "iris@pro duction", "a b@prod", None, 3],
)
def test_bad_refs_name_the_argument(text):
    with pytest.raises(InvalidArgument, match=r"^(model|name|alias|version):"):
        parse_ref(text)


@pytest.mark.parametrize(
    "alias", ["with space", "with/slash", "", "1abc", "a" * 65, "latest", "pr@d"]
)
def test_bad_alias_names(alias):
    with pytest.raises(InvalidArgument, match="alias"):
        check_alias(alias)


@pytest.mark.parametrize("name", ["", "a/b", "a b", "a@b", "-x", "x" * 201])
def test_bad_model_names(name):
    with pytest.raises(InvalidArgument, match="name"):
        check_model_name(name)


@pytest.mark.parametrize("version", [10**23, 2**63, "99999999999999999999999"])
def test_a_version_beyond_the_database_integer_is_refused(version):
    with pytest.raises(InvalidArgument, match="version: expected a version number from 1 to"):
        check_version(version)


def test_promote_to_a_huge_version_is_invalid_not_an_overflow(store, train):
    train("cancer", accuracy=0.9)
    with pytest.raises(InvalidArgument, match="version"):
        mlops.promote("cancer", 10**23)
    with pytest.raises(InvalidArgument, match="version"):
        mlops.load_model("cancer/99999999999999999999999")
