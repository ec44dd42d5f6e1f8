"""What to tell the user when a remote blob store (``s3://`` ...) cannot be reached.

botocore's own exceptions are recognised by name, so that this module (and
the blob store) import neither botocore nor s3fs.
"""

from __future__ import annotations

from ..config import s3_endpoint

_CREDENTIALS = {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}
_UNREACHABLE = {
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ConnectionClosedError",
    "ClientConnectorError",
    "ServerDisconnectedError",
    "ConnectionRefusedError",
    "TimeoutError",
}
_DENIED = {"PermissionError", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"}


def _kinds(exc: BaseException) -> set[str]:
    """Names of the exception's classes and of the errors it was raised from."""
    names: set[str] = set()
    seen = 0
    while exc is not None and seen < 5:
        names.update(c.__name__ for c in type(exc).__mro__)
        code = getattr(exc, "response", None)
        if isinstance(code, dict):
            names.add(str(code.get("Error", {}).get("Code", "")))
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return names


def remote_error(url: str, scheme: str, action: str, exc: BaseException) -> str:
    """One message: which blob root, what failed, and the settings that decide it."""
    reason = str(exc).strip() or type(exc).__name__
    head = f"the blob store at {url} (MLOPS_BLOB_ROOT) could not {action}: {reason}. "
    kinds = _kinds(exc)
    if scheme not in ("s3", "s3a"):
        return head + (
            f"Check the credentials and address that fsspec needs for {scheme}://, "
            "or point MLOPS_BLOB_ROOT at another folder or URL"
        )
    endpoint = s3_endpoint()
    where = f"the endpoint {endpoint} (AWS_ENDPOINT_URL_S3)" if endpoint else "AWS S3"
    if kinds & _CREDENTIALS:
        return head + (
            "No S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(or AWS_PROFILE), and AWS_DEFAULT_REGION; for an S3-compatible server also "
            "AWS_ENDPOINT_URL_S3"
        )
    if kinds & _DENIED:
        return head + (
            f"{where} refused the credentials in use (AWS_ACCESS_KEY_ID, AWS_PROFILE): "
            "check that they may read and write this bucket"
        )
    if kinds & _UNREACHABLE or isinstance(exc, (ConnectionError, TimeoutError)):
        return head + (
            f"{where} did not answer: check AWS_ENDPOINT_URL_S3 (an S3-compatible server's "
            "URL, or unset for AWS) and the network"
        )
    return head + (
        f"Check the S3 settings in force ({where}, AWS_ACCESS_KEY_ID or AWS_PROFILE, "
        "AWS_DEFAULT_REGION) and MLOPS_BLOB_ROOT"
    )
