"""Running a stand-in server (the fake Stripe, the URSSAF's) in a subprocess for `make run` and the tests:
a free port, waiting until it answers, stopping it. Shared by devtools/localstripe_server.py and
devtools/urssaf_server.py, which keep their own `start_in_background`, `wait_until_ready` and `stop`."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, *, name: str, process: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    """Poll `url` until it answers 200, or fail (the process exited, or `timeout` seconds passed)."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not answer at {url} within {timeout:.0f} s")
        time.sleep(0.05)


def start(module: str, *, ready, started: list, port: int | None = None, log_file=None, attempts: int = 3):
    """Start `python -m module --port …` on 127.0.0.1:`port` (a free one if None), wait with `ready(base_url,
    process)`, and return `(process, base_url)`. With no port given, a port taken meanwhile is retried."""
    for attempt in range(1, attempts + 1):
        chosen = port or free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", str(chosen)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log_file else subprocess.DEVNULL,
        )
        started.append(process)
        base_url = f"http://127.0.0.1:{chosen}"
        try:
            ready(base_url, process)
        except RuntimeError:
            stop(process, started)
            if port is not None or attempt == attempts:
                raise
            continue
        except BaseException:
            stop(process, started)
            raise
        return process, base_url
    raise AssertionError("unreachable")


def stop(process: subprocess.Popen | None, started: list, timeout: float = 10.0) -> None:
    """Stop `process` (or every one in `started`): SIGTERM, then SIGKILL."""
    for proc in [process] if process is not None else list(started):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in started:
            started.remove(proc)
