"""Real receivers on 127.0.0.1 for notification tests: an HTTP server that records what it got
and answers from a script of statuses, and an SMTP server (aiosmtpd)."""

import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Answers each POST or GET with the next of `script` (status, headers, delay), then
    200s with the body `ok`."""

    script: list = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    def __enter__(self) -> "HttpReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(Received(self.path, dict(self.headers),
                                                  self.rfile.read(length)))
                self.answer()

            def do_GET(self) -> None:
                receiver.requests.append(Received(self.path, dict(self.headers), b""))
                self.answer()

            def answer(self) -> None:
                status, headers, delay = (receiver.script.pop(0) if receiver.script
                                          else (200, {}, 0))
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class SmtpReceiver:
    """aiosmtpd on a free port; `messages` are the parsed emails it accepted."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: object, session: object, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def __enter__(self) -> "SmtpReceiver":
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
