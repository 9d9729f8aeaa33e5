"""Every Stripe request the tests make, checked by Stripe's official stripe-mock.

The card tests keep state in localstripe (a fake Stripe that remembers
PaymentIntents, refunds and customers), but localstripe accepts requests the
real Stripe refuses. stripe-mock is Stripe's own server stub: it remembers
nothing, but it validates every request against Stripe's OpenAPI spec (each
parameter's name, type and whether it is required).

When ``STRIPE_MOCK_URL`` is set (``.ci/run`` sets it, from
scripts/services/stripe-mock.sh), the ``localstripe`` fixture hands the tests
the URL of a small proxy running in a thread of the test process instead of
localstripe's own. For each request under ``/v1/`` the proxy first sends the
same method, path, query, body and Stripe headers to stripe-mock:

- stripe-mock answers 4xx: the request is invalid (unknown, missing or
  mistyped parameter, unknown URL, bad key). stripe-mock is stateless and
  never answers 404 for an unknown object id (it makes one up), so every 4xx
  is a real rejection. The proxy records it and returns stripe-mock's error to
  the client, so the calling test fails.
- otherwise the request goes on to localstripe, whose answer the client gets.

Other paths (localstripe's ``/_config/...``), and the calls Stripe.js makes in
the browser with the publishable key (the demo's typed card fields: Stripe's
code, not Kith's), go straight to localstripe.

At the end of the session every distinct request shape (method, path with ids
replaced by ``{id}``, sorted parameter names) and every rejection is written to
``KITH_STRIPE_REPORT`` (default ``.pytest_cache/stripe-mock-report.json``) and
one line is printed: "stripe-mock validated N distinct Stripe requests, R
rejected". Any rejection fails the session, even one Kith's code caught and
turned into a message for the user. Under pytest-xdist each worker has its
own proxy and the controller adds up what the workers saw.

Registered as a pytest plugin by the root conftest.py.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

# Headers that change how Stripe reads a request; everything else is transport.
STRIPE_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "Stripe-Account",
    "Stripe-Context",
    "Stripe-Version",
)
# Not copied between the client, the proxy and the upstream servers.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
TIMEOUT = 30
REPORT_DEFAULT = ".pytest_cache/stripe-mock-report.json"
WORKER_OUTPUT_KEY = "kith_stripe_requests"

# A path segment that is a Stripe id (pi_3Abc..., seti_..., cus_..., acct_...,
# trr_...) rather than a resource name such as payment_intents: ids carry a
# digit or capital letter after their prefix. localstripe's test payment
# methods (pm_card_visa) are ids too.
_ID = re.compile(r"^[a-z]+_(?=[A-Za-z0-9_]*[0-9A-Z])[A-Za-z0-9_]+$|^(pm|tok)_card_[a-z_]+$")
# payment_method_types[0]=card and payment_method_types[]=card are the same parameter.
_INDEX = re.compile(r"\[\d+\]")


def path_template(path: str) -> str:
    """/v1/payment_intents/pi_3Ab/capture -> /v1/payment_intents/{id}/capture."""
    return "/".join("{id}" if _ID.match(part) else part for part in path.split("/"))


def param_names(pairs: list[tuple[str, str]]) -> list[str]:
    """The sorted, distinct names of form or query parameters, list indexes dropped."""
    return sorted({_INDEX.sub("[]", name) for name, _ in pairs})


class Recorder:
    """What the proxy saw: request shapes with counts, rejections, stripe-mock failures."""

    def __init__(self):
        self._lock = threading.Lock()
        self.shapes: dict[tuple[str, str, tuple[str, ...]], int] = {}
        self.rejections: list[dict] = []
        self.errors: list[dict] = []

    def seen(self, method: str, path: str, names: list[str]) -> None:
        key = (method, path_template(path), tuple(names))
        with self._lock:
            self.shapes[key] = self.shapes.get(key, 0) + 1

    def rejected(self, entry: dict) -> None:
        with self._lock:
            self.rejections.append(entry)

    def failed(self, entry: dict) -> None:
        with self._lock:
            self.errors.append(entry)

    def as_dict(self) -> dict:
        with self._lock:
            return {
                "requests": [
                    {"method": m, "path": p, "params": list(names), "count": count}
                    for (m, p, names), count in sorted(self.shapes.items())
                ],
                "rejections": list(self.rejections),
                "errors": list(self.errors),
            }

    def merge(self, data: dict) -> None:
        with self._lock:
            for entry in data.get("requests", []):
                key = (entry["method"], entry["path"], tuple(entry["params"]))
                self.shapes[key] = self.shapes.get(key, 0) + entry["count"]
            self.rejections.extend(data.get("rejections", []))
            self.errors.extend(data.get("errors", []))


def _send(base_url: str, method: str, target: str, body: bytes, headers: dict[str, str]):
    """One request to an upstream server: (status, [(header, value)], body)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        connection.request(method, target, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ValidatingProxy

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # quiet: pytest shows stderr of failing tests

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        proxy = self.server
        target = urlsplit(self.path)
        if target.path.startswith("/v1/") and not _from_stripe_js(target.query, body, self.headers):
            verdict = proxy.validate(self.command, self.path, body, self.headers)
            if verdict is not None:
                self._reply(*verdict)
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            answer = _send(proxy.upstream_url, self.command, self.path, body, headers)
        except OSError as error:
            answer = _error(502, f"The validating proxy could not reach localstripe: {error}")
        self._reply(*answer)

    def _reply(self, status: int, headers, body: bytes):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _from_stripe_js(query: str, body: bytes, headers) -> bool:
    """A call Stripe.js makes in the browser (the demo's typed card fields): no secret key,
    the publishable key as the ``key`` parameter. It is Stripe's own code talking to
    Stripe, not a request Kith sends, so it goes straight to the fake."""
    if headers.get("Authorization"):
        return False
    pairs = parse_qsl(query, keep_blank_values=True)
    if body:
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return any(name == "key" and value.startswith("pk_") for name, value in pairs)


def _error(status: int, message: str):
    body = json.dumps({"error": {"type": "api_error", "message": message}}).encode()
    return status, [("Content-Type", "application/json")], body


class ValidatingProxy(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that checks /v1/ requests with stripe-mock, then
    forwards them to ``upstream_url`` (localstripe)."""

    daemon_threads = True

    def __init__(self, upstream_url: str, stripe_mock_url: str, recorder: Recorder):
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream_url = upstream_url.rstrip("/")
        self.stripe_mock_url = stripe_mock_url.rstrip("/")
        self.recorder = recorder
        self._thread = threading.Thread(
            target=self.serve_forever, name="stripe-mock-proxy", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> ValidatingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def validate(self, method: str, target: str, body: bytes, headers):
        """Ask stripe-mock; return the (status, headers, body) to send back if it refused."""
        parts = urlsplit(target)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if body:
            pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        self.recorder.seen(method, parts.path, param_names(pairs))
        sent = {name: headers[name] for name in STRIPE_HEADERS if headers.get(name)}
        entry = {
            "method": method,
            "path": parts.path,
            "params": pairs,
            "test": os.environ.get("PYTEST_CURRENT_TEST", ""),
        }
        try:
            status, answer_headers, answer = _send(self.stripe_mock_url, method, target, body, sent)
        except OSError as error:
            message = f"stripe-mock at {self.stripe_mock_url} could not be reached: {error}"
            self.recorder.rejected({**entry, "status": 502, "message": message})
            return _error(502, message)
        if 400 <= status < 500:
            try:
                message = json.loads(answer)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = answer.decode("utf-8", "replace")[:500]
            self.recorder.rejected({**entry, "status": status, "message": message})
            return status, answer_headers, answer
        if status >= 500:
            # stripe-mock could not make up an answer; that says nothing about the request.
            self.recorder.failed({**entry, "status": status})
        return None


# --- The session's proxy, used by the localstripe fixture --------------------------------

_recorder = Recorder()
_proxies: list[ValidatingProxy] = []


def _stripe_mock_answers(url: str) -> bool:
    request = urllib.request.Request(
        f"{url}/v1/balance", headers={"Authorization": "Bearer sk_test_kith"}
    )
    try:
        urllib.request.urlopen(request, timeout=3).close()
    except (OSError, urllib.error.HTTPError):
        return False
    return True


def stripe_mock_url() -> str:
    """STRIPE_MOCK_URL, or "" when it is unset. Set but not answering: skip, or fail
    under KITH_REQUIRE_SERVICES=1."""
    url = os.environ.get("STRIPE_MOCK_URL", "").rstrip("/")
    if url and not _stripe_mock_answers(url):
        from django.conf import settings

        message = f"STRIPE_MOCK_URL={url} does not answer (scripts/services/stripe-mock.sh start)."
        if settings.KITH_REQUIRE_SERVICES:
            pytest.fail(message + " KITH_REQUIRE_SERVICES=1 requires it.")
        pytest.skip(message)
    return url


def validated(localstripe_url: str) -> str:
    """The URL card tests should use: localstripe's own when STRIPE_MOCK_URL is unset,
    else a proxy that has stripe-mock check each request first (stopped at session end)."""
    mock = stripe_mock_url()
    if not mock:
        return localstripe_url
    proxy = ValidatingProxy(localstripe_url, mock, _recorder).start()
    _proxies.append(proxy)
    return proxy.url


# --- pytest hooks: collect, report, fail on rejections -----------------------------------


def _report_path(config) -> Path:
    path = Path(os.environ.get("KITH_STRIPE_REPORT") or config.rootpath / REPORT_DEFAULT)
    return path if path.is_absolute() else config.rootpath / path


def pytest_sessionfinish(session, exitstatus):
    for proxy in _proxies:
        proxy.stop()
    _proxies.clear()
    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller reports
        config.workeroutput[WORKER_OUTPUT_KEY] = json.dumps(_recorder.as_dict())
        return
    data = _recorder.as_dict()
    if not data["requests"]:
        return
    path = _report_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    config._kith_stripe_summary = (data, path)
    if data["rejections"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: add up what a finished worker's proxy saw."""
    output = getattr(node, "workeroutput", None) or {}
    if WORKER_OUTPUT_KEY in output:
        _recorder.merge(json.loads(output[WORKER_OUTPUT_KEY]))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    summary = getattr(config, "_kith_stripe_summary", None)
    if not summary:
        return
    data, path = summary
    rejected = len(data["rejections"])
    write = terminalreporter.write_line
    for entry in data["rejections"]:
        write(
            f"stripe-mock rejected {entry['method']} {entry['path']} "
            f"({', '.join(name for name, _ in entry['params'])}): {entry['message']} "
            f"[{entry['test']}]",
            red=True,
        )
    verdict = ": the run fails" if rejected else ""
    write(
        f"stripe-mock validated {len(data['requests'])} distinct Stripe requests, "
        f"{rejected} rejected{verdict} (report: {path})",
        red=bool(rejected),
        green=not rejected,
    )
