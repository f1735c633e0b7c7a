"""Outbound HTTP for notifications, SSRF-safe in one place.

A notification URL comes from a user, so it may point anywhere: the cloud metadata service, the
database, localhost. Every request here:
- accepts only http and https URLs;
- resolves the host once and refuses if any address is private, loopback, link-local,
  multicast, reserved or unspecified, unless ERRORTRACK_OUTBOUND_ALLOWLIST names the host or a
  network holding the address (tests allow exactly their local receivers);
- connects to the address it checked (no second DNS lookup that could answer differently),
  sending the original Host and, for https, verifying the certificate for the original name;
- follows no redirects, and has a connect and read timeout.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(ValueError):
    """The URL may not be requested (scheme, or an address that is not public)."""


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def _allowlist() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    hosts, networks = set(), []
    for entry in settings.ERRORTRACK_OUTBOUND_ALLOWLIST:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.lower())
    return hosts, networks


def _is_public(address: Address) -> bool:
    return address.is_global and not address.is_multicast


def check_address(host: str, address: Address) -> None:
    hosts, networks = _allowlist()
    if _is_public(address) or host.lower() in hosts or any(address in n for n in networks):
        return
    raise OutboundRefused(f"{host} resolves to {address}, which is not a public address "
                          "(allow it with ERRORTRACK_OUTBOUND_ALLOWLIST)")


def resolve(host: str, port: int) -> Address:
    """The first address of `host`, after checking every address it resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        check_address(host, address)
    return addresses[0]


def post(url: str, body: bytes, headers: dict[str, str],
         timeout: float | None = None) -> OutboundResponse:
    """POST `body` to `url` (notifications)."""
    return request("POST", url, body, headers, timeout)


def _pool(address: Address, port: int, host: str, secure: bool,
          timeout: float) -> urllib3.HTTPConnectionPool:
    """A connection to the checked address; TLS still verifies the certificate for `host`."""
    limit = urllib3.Timeout(connect=timeout, read=timeout)
    if secure:
        return urllib3.HTTPSConnectionPool(str(address), port, timeout=limit, retries=False,
                                           maxsize=1, server_hostname=host,
                                           assert_hostname=host)
    return urllib3.HTTPConnectionPool(str(address), port, timeout=limit, retries=False,
                                      maxsize=1)


def request(method: str, url: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float | None = None,
            max_body_bytes: int = 10_000) -> OutboundResponse:
    """One HTTP request to a user-given URL (notifications, uptime probes). Raises
    OutboundRefused for a forbidden target, OSError for network failures and timeouts.

    At most `max_body_bytes` of the response are read, and the whole exchange must end within
    `timeout` (a server that trickles its body cannot hold the caller longer)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("only http and https URLs with a host can be notified")
    if parts.username or parts.password:
        raise OutboundRefused("credentials in notification URLs are not supported")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(host, port)
    timeout = timeout or settings.ERRORTRACK_OUTBOUND_TIMEOUT_SECONDS
    secure = parts.scheme == "https"
    pool = _pool(address, port, host, secure, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = port == (443 if secure else 80)
    deadline = time.monotonic() + timeout
    try:
        response = pool.urlopen(method, path, body=body, redirect=False, preload_content=False,
                                headers={"Host": host if default_port else f"{host}:{port}",
                                         "User-Agent": "errortrack", **(headers or {})})
        data = _read_bounded(response, max_body_bytes, deadline)
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        pool.close()
    return OutboundResponse(response.status, dict(response.headers), data)


def _read_bounded(response: urllib3.BaseHTTPResponse, limit: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while size < limit:
        if time.monotonic() > deadline:
            raise OSError("timed out reading the response")
        chunk = response.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
