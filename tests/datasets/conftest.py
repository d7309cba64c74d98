"""Fixtures for nerve.datasets: an isolated cache, no mirror, a loopback HTTP server."""

import functools
import http.server
import socket
import threading

import pytest


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own cache, no mirror, and a download route that is closed."""
    monkeypatch.setenv("NERVE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NERVE_DATASETS_MIRROR", raising=False)
    monkeypatch.setenv("NERVE_DATASETS_URL", f"http://127.0.0.1:{closed_port()}")


def closed_port() -> int:
    """A loopback port nothing listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """(folder, base URL) of a real HTTP server on 127.0.0.1 serving that folder."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()
