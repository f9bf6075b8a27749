"""The bot's HTTP client for the Bot API: PTB's ``BaseRequest`` on aiohttp.

PTB's default, ``HTTPXRequest``, was the largest single cost of an update in the bot's event
loop (``python -m bench.bot_throughput`` under py-spy: ~40% of the loop's samples went to
httpx/httpcore for the reply and the long poll, against ~9% for the aiohttp call to the forum
service that carries the same kind of request). ``BaseRequest`` is PTB's documented extension
point for another HTTP library; PTB keeps everything above it (parameters, JSON, status codes
→ ``telegram.error``, the rate limiter hook), so this class only moves bytes.

Behaviour kept from ``HTTPXRequest``: the same defaults (256 connections, 5 s read, write and
connect, 1 s to wait for a free connection, 20 s to write an upload), no redirects followed,
proxies from the environment (``HTTPS_PROXY``, ``NO_PROXY`` ...) honoured, read once as httpx
does when its client is made, PTB's ``User-Agent``, timeouts raised as ``TimedOut``
and every other transport failure as ``NetworkError``.
"""

from __future__ import annotations

import urllib.request
from typing import Final
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: PTB's ``HTTPXRequest`` defaults, in seconds.
READ_TIMEOUT: Final = 5.0
WRITE_TIMEOUT: Final = 5.0
CONNECT_TIMEOUT: Final = 5.0
POOL_TIMEOUT: Final = 1.0
MEDIA_WRITE_TIMEOUT: Final = 20.0

_CONNECTION_TIMEOUT_MESSAGE: Final = (
    "Timed out getting a connection (all connections in the pool busy, or connecting was too "
    "slow). Request was *not* sent to Telegram."
)


class AiohttpRequest(BaseRequest):
    """Bot API requests over one ``aiohttp.ClientSession`` (keep-alive connections reused).

    aiohttp has no per-write timeout; the phases map as: ``pool_timeout + connect_timeout``
    bounds getting a connection (``ClientTimeout.connect``), ``connect_timeout`` opening one
    (``sock_connect``), ``read_timeout`` each read of the answer (``sock_read``), and the sum
    of all four bounds the whole request (``total``), so a stalled write cannot hang forever.
    ``None`` for any of them leaves that bound (and the total) off, as in ``HTTPXRequest``.

    Args:
        connection_pool_size: connections kept open at most.
        read_timeout: default seconds per read of an answer.
        write_timeout: default seconds to write a request without files.
        connect_timeout: default seconds to open a connection.
        pool_timeout: default seconds to wait for a free connection.
        media_write_timeout: default seconds to write a request with files.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_proxy_for",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_for: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long poll's duration to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            # Not aiohttp's trust_env: it reads ~/.netrc and the proxy variables again on every
            # request, each in a worker thread (two thread hops per Bot API call).
            self._proxies = urllib.request.getproxies_environment()
            self._proxy_for = {}
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # The Bot API sets no cookies; nothing per bot is kept between requests.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; shutting down twice does nothing."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one request; return its status code and body (PTB reads both).

        Raises:
            TimedOut: a timeout passed (also waiting for a free connection).
            NetworkError: the request could not be made or its answer not read.
            RuntimeError: the request object is not initialised.
        """
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        fields = request_data.json_parameters if request_data is not None else None
        body: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        else:
            write = write_timeout
        timeout = aiohttp.ClientTimeout(
            total=_sum(pool, connect, write, read),
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                allow_redirects=False,
                proxy=self._proxy(url) if self._proxies else None,
            ) as response:
                return response.status, await response.read()
        # ``from None`` throughout: PTB logs these with their traceback, and aiohttp's own
        # errors may carry the URL, which holds the bot's token.
        except aiohttp.ConnectionTimeoutError:
            # Getting a connection took too long: the request was not sent.
            raise TimedOut(_CONNECTION_TIMEOUT_MESSAGE) from None
        except TimeoutError:
            raise TimedOut from None
        except aiohttp.ClientError as error:
            # The class name only where the message may carry the URL.
            detail = f": {error}" if isinstance(error, aiohttp.ClientConnectionError) else ""
            raise NetworkError(f"aiohttp.{type(error).__name__}{detail}") from None

    def _proxy(self, url: str) -> str | None:
        """The proxy from the environment for ``url``'s scheme and host (``NO_PROXY`` applied)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxy_for:
            bypass = bool(urllib.request.proxy_bypass(key[1]))  # NO_PROXY
            self._proxy_for[key] = None if bypass else self._proxies.get(key[0])
        return self._proxy_for[key]


def _sum(*seconds: float | None) -> float | None:
    """The sum of the bounds, or ``None`` (no bound) when any of them is unbounded."""
    if any(s is None for s in seconds):
        return None
    return sum(s for s in seconds if s is not None)
