"""Which names this service answers to: a request for any other ``Host`` is refused (DNS rebinding).

A web page on another site can make the browser send requests to this service under the page's
own name, by pointing that name's DNS record at the service's address (DNS rebinding): the
browser then treats the service as same-origin with the attacker's page. Such a request still
carries the attacker's name in ``Host``, so the service refuses, before routing, every request
whose ``Host`` is not one of its names: the loopback names and addresses, the names listed in
``CITEQA_ALLOWED_HOSTS`` (``*.example.org`` allows its subdomains) and the address it is bound to
when that is not a wildcard (``0.0.0.0``, ``::``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from citeqa.api.errors import shown
from citeqa.api.headers import SECURITY_HEADERS
from citeqa.settings import Settings

LOOPBACK_NAME = "localhost"  # RFC 6761: localhost and every *.localhost name resolve to loopback
WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})  # bind addresses meaning "every interface"
SUBDOMAIN_WILDCARD = "*."
MISDIRECTED = 421  # RFC 9110 15.5.20: this server does not answer for that host
NAME = re.compile(r"[a-z0-9_.-]+")  # the characters of DNS names (and IPv4 addresses); IPv6 goes in brackets
HOST_HEADER = re.compile(rf"(?:\[(?P<ipv6>[0-9a-f:.]+)\]|(?P<name>{NAME.pattern}))(?::[0-9]{{1,5}})?")


def normal_name(name: str) -> str:
    """A host name or address compared as DNS and IP compare them: lowercase, without a trailing dot,
    IP addresses in their canonical form (``[::0001]`` and ``::1`` are the same)."""
    name = name.strip().lower().removeprefix("[").removesuffix("]").removesuffix(".")
    address = _address(name)
    return name if address is None else address.compressed


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def is_loopback(name: str) -> bool:
    """Whether ``name`` (a bind address or a ``Host`` name, without port) can only reach this machine."""
    name = normal_name(name)
    if name == LOOPBACK_NAME or name.endswith("." + LOOPBACK_NAME):
        return True
    address = _address(name)
    return address is not None and address.is_loopback


def _is_host_name(name: str) -> bool:
    """Whether ``name`` (normalised) is a DNS name or an IP address, with nothing else in it."""
    return bool(name) and (NAME.fullmatch(name) is not None or _address(name) is not None)


def host_of(header: str | None) -> str | None:
    """The name or address of a ``Host`` header without its port, or None when missing or malformed."""
    if header is None:
        return None
    match = HOST_HEADER.fullmatch(header.strip().lower())
    if match is None:
        return None
    name = normal_name(match["ipv6"] or match["name"])
    return name or None


@dataclass(frozen=True)
class AllowedHosts:
    """The names a request's ``Host`` may carry besides the loopback ones.

    Attributes:
        names: Exact names and addresses (normalised with :func:`normal_name`).
        suffixes: Domain suffixes (``.example.org`` from ``*.example.org``) whose subdomains are allowed.
    """

    names: frozenset[str]
    suffixes: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> AllowedHosts:
        """``settings.allowed_hosts`` plus the bound ``settings.host`` unless it is a wildcard address.

        Raises:
            ValueError: A pattern that is neither a name, an address nor ``*.`` and a name (the
                message names CITEQA_ALLOWED_HOSTS).
        """
        names: set[str] = set()
        suffixes: list[str] = []
        for pattern in settings.allowed_hosts:
            name = normal_name(pattern.removeprefix(SUBDOMAIN_WILDCARD))
            if not _is_host_name(name):
                raise ValueError(
                    f"CITEQA_ALLOWED_HOSTS: {shown(pattern)!r} is not a host name; give names such as "
                    "qa.example.org, addresses such as 10.0.0.5, or *.example.org for every subdomain"
                )
            if pattern.startswith(SUBDOMAIN_WILDCARD):
                suffixes.append("." + name)
            else:
                names.add(name)
        if normal_name(settings.host) not in WILDCARD_ADDRESSES:
            names.add(normal_name(settings.host))
        return cls(frozenset(names), tuple(suffixes))

    def allows(self, host: str) -> bool:
        """Whether a request for ``host`` (from :func:`host_of`) is for this service."""
        return is_loopback(host) or host in self.names or host.endswith(self.suffixes)


def refusal_detail(header: str | None) -> str:
    """What a 421 says: the refused host, shortened, and how to allow it."""
    host = host_of(header)
    if header is None:
        what = "a request without a Host header"
    elif host is None:
        what = f"a request with a malformed Host header {shown(header)!r}"
    else:
        what = f"a request for host {shown(host)!r}"
    return (
        f"refused {what}: this service answers only for its own names, so that a web page elsewhere cannot "
        "reach it through DNS rebinding. If clients reach it under this name, add the name to "
        "CITEQA_ALLOWED_HOSTS (comma-separated; *.example.org allows every subdomain)."
    )


class HostCheckMiddleware:
    """Refuse (421, JSON) every HTTP request whose ``Host`` is not allowed, before anything else runs.

    Modelled on starlette's ``TrustedHostMiddleware``, with loopback names always allowed and a JSON
    reply that says how to allow a name.

    Args:
        app: The ASGI app.
        allowed: The names allowed besides the loopback ones.
    """

    def __init__(self, app: ASGIApp, allowed: AllowedHosts) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("host")
        host = host_of(header)
        if host is not None and self.allowed.allows(host):
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            status_code=MISDIRECTED, content={"detail": refusal_detail(header)}, headers=SECURITY_HEADERS
        )
        await response(scope, receive, send)
