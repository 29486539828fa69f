"""What the audit log and the access log keep of a request: its shape, never its values."""

import pytest

from app.identity import TrustedProxies, accepted_request_id
from app.services.audit import path_shape, query_shape


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/", "/"),
        ("/patients", "/patients"),
        ("/patients/7", "/patients/:id"),
        ("/doctors/Ana%20Lima/patients", "/doctors/:id/:nested"),
        ("/patients/1/2/3", "/patients/:id/:nested/:more"),
        ("/_history/patients/7", "/_history/patients/:id"),
        ("/_history/patients/7/restore", "/_history/patients/:id/restore"),
        ("/_history/clinic/restore", "/_history/clinic/restore"),
        ("/_audit", "/_audit"),
    ],
)
def test_every_segment_that_may_be_an_id_is_replaced(path: str, shape: str) -> None:
    assert path_shape(path) == shape


def test_the_query_shape_keeps_each_key_once_and_no_value() -> None:
    shape = query_shape(b"name=Ana&age_gte=3&q=x&name=Ben&_page=2&address.city_like=Bo")
    assert shape == ("name", "age_gte", "q", "_page", "address.city_like")


def test_a_request_id_from_a_proxy_is_kept_only_when_it_looks_like_one() -> None:
    assert accepted_request_id("render-abc-123") == "render-abc-123"
    for sent in ("", "has space", "x" * 129, "ünï"):
        replaced = accepted_request_id(sent)
        assert replaced != sent
        assert len(replaced) == 32


def test_trusted_proxies_are_addresses_networks_or_anyone() -> None:
    proxies = TrustedProxies("127.0.0.1, 10.0.0.0/8")
    assert "127.0.0.1" in proxies
    assert "10.1.2.3" in proxies
    assert "192.168.0.1" not in proxies
    assert "testclient" not in proxies
    assert None not in proxies
    assert "192.168.0.1" in TrustedProxies("*")
