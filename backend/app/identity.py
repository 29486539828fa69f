"""Who made a request, as far as the service can tell without credentials: the client's
address (the forwarded one only from a trusted proxy), its Origin, and a request id (the
proxy's X-Request-ID when a trusted proxy sent one, otherwise a new one). `actor` is for an
authenticated user, once there is one."""

import ipaddress
import json
import re
import uuid
from dataclasses import dataclass

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


@dataclass(frozen=True, slots=True)
class RequestIdentity:
    request_id: str
    client_addr: str | None = None
    origin: str | None = None
    actor: str | None = None

    def as_json(self) -> str:
        """The form `records_create` (migration 0007) takes."""
        return json.dumps(
            {
                "request_id": self.request_id,
                "client_addr": self.client_addr,
                "origin": self.origin,
                "actor": self.actor,
            }
        )

    def settings(self) -> tuple[str, str, str, str]:
        """The values of IDENTITY_SETTINGS's parameters ('' for none)."""
        return (self.request_id, self.client_addr or "", self.origin or "", self.actor or "")


# The request's identity for the history triggers, until the transaction ends.
IDENTITY_SETTINGS = (
    "SELECT set_config('app.request_id', %s, true), set_config('app.client_addr', %s, true), "
    "set_config('app.origin', %s, true), set_config('app.actor', %s, true)"
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(sent: str | None) -> str:
    """A proxy's X-Request-ID when it looks like one (short, no spaces), else a new one."""
    if sent is not None and _REQUEST_ID.fullmatch(sent):
        return sent
    return new_request_id()


class TrustedProxies:
    """FORWARDED_ALLOW_IPS: `*`, or addresses and networks separated by commas."""

    def __init__(self, allowed: str) -> None:
        parts = [part.strip() for part in allowed.split(",") if part.strip()]
        self.any = "*" in parts
        self.networks = []
        for part in parts:
            if part != "*":
                try:
                    self.networks.append(ipaddress.ip_network(part, strict=False))
                except ValueError:
                    continue  # a host name or socket path: uvicorn's own rules apply to those

    def __contains__(self, peer: str | None) -> bool:
        if self.any:
            return True
        if peer is None:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)
