"""Whether a link is one that people elsewhere can open.

A render link may point at the local backend on the admin's machine (``http://127.0.0.1:…``,
``http://local-backend:8000`` in compose): posting it in Discord only shows people a link that
fails. :func:`is_public_url` says no to a URL whose host is

* an IP address that is not globally routable: loopback, private (RFC 1918, unique-local
  ``fc00::/7``), link-local, shared (``100.64.0.0/10``), unspecified, reserved, documentation
  ranges, multicast; an IPv4 address written as IPv6 (``::ffff:10.0.0.1``) is judged as IPv4;
* a name for the local network: ``localhost`` and its subdomains, ``*.local`` (mDNS),
  ``*.internal``, ``*.home.arpa`` (RFC 8375), ``*.lan``, ``*.localdomain``;
* a single-label name (``local-backend``): it resolves only inside one network;
* numbers that are no IP address and no domain name (``127.1``): a browser reads them as an
  address, and a top-level domain is never all digits;

and to anything that is not ``http``/``https`` or has no host. Everything else is public: DNS is
not consulted (a public name that resolves to a private address is the admin's choice).
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

_WEB_SCHEMES: Final = frozenset({"http", "https"})
_LOCAL_SUFFIXES: Final = ("localhost", "local", "internal", "home.arpa", "lan", "localdomain")


def is_public_url(url: str) -> bool:
    """Whether ``url`` is a web link people outside the bot's host can open (rules above)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # an unbalanced "[" in the host, a bad port
        return False
    if parts.scheme.lower() not in _WEB_SCHEMES or not host:
        return False
    host = host.rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _is_public_name(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _is_public_name(host: str) -> bool:
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    return not any(host == suffix or host.endswith("." + suffix) for suffix in _LOCAL_SUFFIXES)
