"""Handlers are authorised like jupyter_server's own: a custom Authorizer can deny 'mlops'."""

from __future__ import annotations

import pytest
from jupyter_server.auth.authorizer import Authorizer
from tornado.httpclient import HTTPClientError


class DenyMlops(Authorizer):
    """Allows everything except the resource of this extension."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        return resource != "mlops"


@pytest.fixture
def jp_server_config(mlops_home):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_mlops": True},
            "authorizer_class": DenyMlops,
        }
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ("runs",)), ("GET", ("settings",)), ("POST", ("runs", "abc123", "tags"))],
)
async def test_a_denying_authorizer_refuses_every_route(jp_fetch, method, path):
    kwargs = {"method": method}
    if method == "POST":
        kwargs["body"] = '{"tags": {"a": "b"}}'
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch("mlops", "api", *path, **kwargs)
    assert err.value.code == 403


async def test_the_same_server_still_serves_its_own_api(jp_fetch):
    resp = await jp_fetch("api", "status")
    assert resp.code == 200
