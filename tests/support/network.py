"""What counts as staying on this machine, for the tests' guard against network access."""

from __future__ import annotations

import ipaddress


def is_loopback(host: object) -> bool:
    """Whether ``host`` (a name or address, as given to connect or getaddrinfo) is loopback."""
    if host in {"localhost", None, ""}:
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False
