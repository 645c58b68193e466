"""The visitor's address used by rate limits: REMOTE_ADDR, or the proxy's X-Real-IP behind nginx."""

from __future__ import annotations

from django.test import RequestFactory, override_settings
from ninja.throttling import AnonRateThrottle

from lyceum.core.ratelimit import client_ip


def _request(**meta: str):  # type: ignore[no-untyped-def]
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.7", **meta)


def test_without_a_proxy_the_socket_address_counts_and_forged_headers_are_ignored():
    request = _request(HTTP_X_REAL_IP="1.2.3.4", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert client_ip(request) == "10.0.0.7"
    # The API's anonymous throttle keys on the same address: a made-up X-Forwarded-For per request
    # must not give a client a fresh allowance.
    assert AnonRateThrottle("10/min").get_ident(request) == "10.0.0.7"


@override_settings(LYCEUM_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_behind_the_proxy_the_header_nginx_overwrites_counts():
    assert client_ip(_request(HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"
    # A request that reached the app without passing nginx (no header) still has an address.
    assert client_ip(_request()) == "10.0.0.7"
