"""One HTTP client for every forge: auth header, retries with backoff on rate limits, paging.

Tokens live only in the request headers of this client: never in a URL, a log line or an
error message (`ForgeError` texts are built from status codes and the forge's own message).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlt.errors import MltError

RETRY_STATUSES = {429, 502, 503, 504}
_LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class ForgeError(MltError):
    """A forge API call failed; `status` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, status: int = 0, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


def _retry_delay(response: Any, attempt: int, now: Callable[[], float]) -> float | None:
    """Seconds to wait before retrying, or None when the answer is final.

    Honours Retry-After (seconds), then X-RateLimit-Reset / RateLimit-Reset (epoch seconds)
    when the remaining quota is 0; 5xx and 429 without headers back off exponentially.
    """
    headers = response.headers
    limited = response.status_code == 429 or (
        response.status_code == 403
        and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers)
    )
    if not limited and response.status_code not in RETRY_STATUSES:
        return None
    retry_after = headers.get("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now()) + 1.0
    return min(60.0, 2.0**attempt)


class Api:
    """A forge's REST API at `base_url`, authenticated with `headers` (the token inside)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        retries: int = 4,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        import httpx  # imported here: only fleet commands talk to forges

        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.max_wait = max_wait
        self._sleep = sleep
        self._client = httpx.Client(headers={"User-Agent": "mlt-fleet", **headers}, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        """One API call; returns the decoded JSON (None for an empty body).

        A status outside `ok` raises ForgeError with the forge's own message; `ok` may list
        404 or 422 when the caller treats them as an answer (then the Response is returned).
        """
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        response = self._send(method, url, params, json)
        if response.status_code not in ok:
            raise self.error_for(method, path, response)
        if response.status_code >= 300:
            return response
        return response.json() if response.content else None

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a paged list, following `Link: rel="next"` (GitHub, Gitea, GitLab)."""
        url: str | None = f"{self.base_url}{path}"
        query: Mapping[str, Any] | None = params
        while url:
            response = self._send("GET", url, query, None)
            if response.status_code != 200:
                raise self.error_for("GET", path, response)
            yield from response.json()
            match = _LINK_NEXT.search(response.headers.get("link", ""))
            next_page = response.headers.get("x-next-page")
            if match:
                url, query = match.group(1), None
            elif next_page:  # GitLab also answers with X-Next-Page when links are off
                url, query = f"{self.base_url}{path}", {**(params or {}), "page": next_page}
            else:
                url = None

    def _send(self, method: str, url: str, params: Any, body: Any) -> Any:
        import httpx

        waited = 0.0
        for attempt in range(self.retries + 1):
            try:
                response = self._client.request(method, url, params=params, json=body)
            except httpx.HTTPError as exc:
                if attempt == self.retries:
                    raise ForgeError(f"{method} {_path(url)}: {type(exc).__name__}") from None
                self._sleep(min(60.0, 2.0**attempt))
                continue
            delay = _retry_delay(response, attempt, time.time)
            if delay is None or attempt == self.retries or waited + delay > self.max_wait:
                return response
            waited += delay
            self._sleep(delay)
        raise AssertionError("unreachable")

    def error_for(self, method: str, path: str, response: Any) -> ForgeError:
        status = response.status_code
        message = _forge_message(response)
        hint = None
        if status == 401:
            hint = "the token is missing, expired or wrong (set it in the environment)"
        elif status == 403 and response.headers.get("x-ratelimit-remaining") == "0":
            hint = "rate limit exhausted; try again after the reset or with fewer --jobs"
        elif status == 403:
            hint = "the token lacks a permission this call needs"
        text = f"{method} {_path(path)} answered {status}" + (f": {message}" if message else "")
        return ForgeError(text, status, hint)


def _path(url: str) -> str:
    """The path of a URL, without scheme, host or query (nothing secret is ever printed)."""
    return re.sub(r"^https?://[^/]+", "", url).split("?", 1)[0]


def _forge_message(response: Any) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(data, dict):
        message = data.get("message") or data.get("error") or ""
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            detail = first.get("message") if isinstance(first, dict) else str(first)
            message = f"{message} ({detail})" if detail else message
        if isinstance(message, list):
            message = "; ".join(str(m) for m in message)
        return str(message)[:300]
    return ""
