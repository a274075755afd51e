"""A local SMTP sink: accepts every mail and keeps it, for the demo and the tests.

Just enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT), in the standard library, so nothing extra is installed. Mails
are kept in memory and, given a folder, written there as .eml files a
person can open.
"""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path


class Server(socketserver.ThreadingTCPServer):
    # SO_REUSEADDR, as every server `make run` starts: without it a connection the killed sink left
    # half-closed keeps the port from the next `make run` for a minute ("port ... is taken").
    allow_reuse_address = True
    daemon_threads = True


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None):
        self.messages: list[EmailMessage] = []
        self.folder = folder
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.reply("220 perks-sink ESMTP")
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-perks-sink", "250 8BITMIME")
                    elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        sink._keep(self._read_data())
                        self.reply("250 OK: kept")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

            def _read_data(self) -> bytes:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)  # dot-stuffing
                return b"".join(lines)

            def reply(self, *lines: str) -> None:
                self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())

        self._server = Server((host, port), Handler)
        self._serving = False
        self.host, self.port = self._server.server_address[:2]

    def _keep(self, raw: bytes) -> None:
        mail = message_from_bytes(raw, policy=policy.default)
        with self._arrived:
            self.messages.append(mail)
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / f"{len(self.messages):05d}.eml").write_bytes(raw)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """The mails once at least `count` have arrived (or whatever came within the timeout)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def start(self) -> SmtpSink:
        self._serving = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="smtp-sink").start()
        return self

    def stop(self) -> None:
        if self._serving:  # shutdown() waits for a serve_forever that must have started
            self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._serving = True
        self._server.serve_forever()
