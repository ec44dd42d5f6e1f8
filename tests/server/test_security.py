"""Every route refuses unauthenticated requests; writes need the XSRF token with cookies."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from .conftest import seed_runs

READ_ROUTES = ["settings", "experiments", "runs", "runs/{run}", "runs/{run}/metrics/acc", "events"]


@pytest.fixture
def base(http_server_client, jp_http_port, jp_base_url):
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}mlops/api/"


@pytest.mark.parametrize("path", READ_ROUTES)
async def test_unauthenticated_requests_are_refused(jp_serverapp, base, path):
    run = seed_runs(1)[0]
    client = AsyncHTTPClient()
    with pytest.raises(HTTPClientError) as err:
        await client.fetch(base + path.format(run=run), follow_redirects=False)
    assert err.value.code in (302, 403)  # a redirect to the login page, or forbidden
    # ...and the same request with the token is answered.
    resp = await client.fetch(
        base + path.format(run=run),
        headers={"Authorization": f"token {jp_serverapp.identity_provider.token}"},
    )
    assert resp.code == 200


async def test_unauthenticated_write_is_refused(jp_serverapp, base):
    run = seed_runs(1)[0]
    with pytest.raises(HTTPClientError) as err:
        await AsyncHTTPClient().fetch(
            base + f"runs/{run}/tags", method="POST", body=json.dumps({"tags": {"a": "b"}})
        )
    assert err.value.code == 403


async def _login_cookies(jp_serverapp, base) -> dict[str, str]:
    """Log in the way a browser does: the token in the URL, which sets the login cookie."""
    resp = await AsyncHTTPClient().fetch(
        base + f"settings?token={jp_serverapp.identity_provider.token}"
    )
    cookies: dict[str, str] = {}
    for header in resp.headers.get_list("Set-Cookie"):
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


async def test_cookie_post_without_xsrf_is_refused(jp_serverapp, base):
    from jupyter_mlops.tracking import get_run

    run = seed_runs(1)[0]
    cookies = await _login_cookies(jp_serverapp, base)
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = json.dumps({"tags": {"reviewed": "yes"}})
    # The login cookie alone reads...
    resp = await AsyncHTTPClient().fetch(base + "runs", headers={"Cookie": cookie_header})
    assert resp.code == 200
    # ...but does not write without the XSRF token.
    with pytest.raises(HTTPClientError) as err:
        await AsyncHTTPClient().fetch(
            base + f"runs/{run}/tags", method="POST", body=body, headers={"Cookie": cookie_header}
        )
    assert err.value.code == 403
    assert "reviewed" not in get_run(run).tags
    # With the XSRF cookie echoed in a header, as JupyterLab's frontend does, it writes.
    xsrf = cookies.get("_xsrf") or await _xsrf_cookie(base)
    resp = await AsyncHTTPClient().fetch(
        base + f"runs/{run}/tags",
        method="POST",
        body=body,
        headers={"Cookie": f"{cookie_header}; _xsrf={xsrf}", "X-XSRFToken": xsrf},
    )
    assert resp.code == 200
    assert get_run(run).tags["reviewed"] == "yes"


async def _xsrf_cookie(base: str) -> str:
    """The ``_xsrf`` cookie a page of the server sets (the login page renders one)."""
    resp = await AsyncHTTPClient().fetch(base.replace("mlops/api/", "login"))
    for header in resp.headers.get_list("Set-Cookie"):
        for name, morsel in SimpleCookie(header).items():
            if name == "_xsrf":
                return morsel.value
    raise AssertionError("the login page set no _xsrf cookie")
