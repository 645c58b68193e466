"""A tiny local stand-in for the three Stripe API endpoints the provider calls.

The real ``stripe`` library talks to it over HTTP (``STRIPE_API_BASE``), so tests see exactly
what the library sends (form-encoded bodies, ``Idempotency-Key``, ``Authorization``) and
the library parses answers shaped like Stripe's documented objects. Like Stripe, a repeated
idempotency key answers the first response again. ``fail_next(status, ...)`` makes the next
call answer an error.

Webhook helpers build real signed payloads (``stripe.WebhookSignature``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import stripe

SECRET_KEY = "sk_test_lyceum_standin"
WEBHOOK_SECRET = "whsec_lyceum_standin"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]  # flattened form keys as sent: "line_items[0][price_data][currency]"


@dataclass
class StripeStandin:
    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    _replays: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, *, type: str = "api_error", code: str = "", message: str = "Failure") -> None:
        error: dict[str, Any] = {"type": type, "message": message}
        if code:
            error["code"] = code
        self._failures.append((status, {"error": error}))

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def pay(self, session_id: str) -> dict[str, Any]:
        """Stripe's side of a buyer paying: the session completes with a payment intent."""
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status="paid", payment_intent="pi_" + session_id.removeprefix("cs_test_")
        )
        return session

    # --- request handling (called from the server thread) ------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Recorded(method, path, headers, form))
            if self._failures:
                return self._failures.pop(0)
            key = headers.get("idempotency-key", "")
            if method == "POST" and key and key in self._replays:
                return self._replays[key]
            answer = self._route(method, path, form)
            if method == "POST" and key and answer[0] < 500:
                self._replays[key] = answer
            return answer

    def _route(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._session_create(form)
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[-1])
            if session is None:
                return 404, _missing("checkout.session", path)
            return 200, session
        if method == "POST" and path == "/v1/refunds":
            return self._refund_create(form)
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})."}}

    def _session_create(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = f"cs_test_{len(self.sessions) + 1:04d}standin"
        metadata = {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}
        unit_amount = int(form.get("line_items[0][price_data][unit_amount]", "0"))
        quantity = int(form.get("line_items[0][quantity]", "1"))
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": unit_amount * quantity,
            "amount_total": unit_amount * quantity,
            "cancel_url": form.get("cancel_url"),
            "client_reference_id": form.get("client_reference_id"),
            "created": int(time.time()),
            "currency": form.get("line_items[0][price_data][currency]"),
            "customer": None,
            "expires_at": int(time.time()) + 24 * 3600,
            "livemode": False,
            "metadata": metadata,
            "mode": form.get("mode"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#standin",
        }
        self.sessions[session_id] = session
        return session

    def _refund_create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        intent = form.get("payment_intent", "")
        session = next(
            (s for s in self.sessions.values() if s["payment_intent"] and s["payment_intent"] == intent), None
        )
        if session is None:
            return 404, _missing("payment_intent", intent)
        amount = int(form.get("amount") or session["amount_total"])
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        if amount + refunded > session["amount_total"]:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "amount_too_large",
                    "message": "Refund amount is greater than unrefunded amount on charge.",
                    "param": "amount",
                }
            }
        refund_id = f"re_test_{len(self.refunds) + 1:04d}standin"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "charge": "ch_" + intent.removeprefix("pi_"),
            "created": int(time.time()),
            "currency": session["currency"],
            "metadata": {},
            "payment_intent": intent,
            "reason": None,
            "status": "succeeded",
        }
        self.refunds[refund_id] = refund
        return 200, refund


def _missing(kind: str, ident: str) -> dict[str, Any]:
    return {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such {kind}: '{ident}'",
        }
    }


class _Handler(BaseHTTPRequestHandler):
    standin: StripeStandin

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        form = dict(parse_qsl(body, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        status, payload = self.standin.handle(self.command, path, headers, form)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_standin_{len(self.standin.requests)}")
        # Like Stripe: tell the library not to retry, so error tests answer at once.
        self.send_header("Stripe-Should-Retry", "false")
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture(name="stripe_standin")
def stripe_standin_fixture(settings) -> Iterator[StripeStandin]:
    """A running stand-in on a free local port, with the STRIPE_* settings pointing at it."""
    standin = StripeStandin()
    handler = type("Handler", (_Handler,), {"standin": standin})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = standin.base_url
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- signed webhooks -------------------------------------------------------------------------


def session_event(
    session: dict[str, Any], *, type: str = "checkout.session.completed", event_id: str = "evt_test_0001"
) -> dict[str, Any]:
    """An Event object as Stripe delivers it, wrapping a checkout session."""
    return {
        "id": event_id,
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }


def signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """The raw body and its ``Stripe-Signature`` header, computed the way Stripe does."""
    body = json.dumps(event, indent=2)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return body.encode(), header
