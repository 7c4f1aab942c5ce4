"""Benchmark: the public catalogue under gunicorn against a bare Django view of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pole .venv/bin/python -m bench.catalogue

Creates a throwaway PostgreSQL database, migrates it, loads the demo hub and tops the catalogue
up to 1 000 active offerings, collects static files, then serves in the same run:
  * the project under gunicorn (2 workers, production settings: config.settings.base), and
  * bench/bare_site.py under gunicorn (2 workers): one Django view, no middleware, that reads
    the same number of rows as one catalogue page and renders them through a plain template.
Each is driven by wrk (Debian's `wrk`, 20 connections); p95 comes from wrk's latency histogram.
Prints human lines, then one JSON object as its last line. Drops the database at the end.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OFFERINGS = 1000
CONNECTIONS = 20
DURATION = "10s"
PROJECT_PORT = 8765
BARE_PORT = 8766
PAGE_SIZE = 24  # services.views.PAGE_SIZE, checked by bench.bare_site.top_up
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.2f %.3f\\n", summary.requests / (summary.duration / 1e6), latency:percentile(95) / 1000))
end
"""


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 — loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _wrk(url: str, script: Path) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    _tag, rps, p95 = line.split()
    return float(rps), float(p95)


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Ce banc d'essai exige PostgreSQL : définissez DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("wrk est introuvable : apt-get install wrk", file=sys.stderr)
        return 2
    bench_db = f"pole_bench_catalogue_{os.getpid()}"
    bench_url = _with_database(url, bench_db)
    admin = psycopg.connect(_with_database(url, "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{bench_db}"')
    processes: list[subprocess.Popen] = []
    static_root = tempfile.mkdtemp(prefix="pole-bench-static-")
    try:
        env = {
            **os.environ,
            "DATABASE_URL": bench_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "STATIC_ROOT": static_root,
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo", "--force", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "shell", "-c", f"from bench.bare_site import top_up; top_up({OFFERINGS})"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--log-level", "warning"]
        processes.append(
            subprocess.Popen([*gunicorn, "--bind", f"127.0.0.1:{PROJECT_PORT}", "config.wsgi"], cwd=ROOT, env=env)
        )
        processes.append(
            subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{BARE_PORT}", "bench.bare_site:application"], cwd=ROOT, env=env
            )
        )
        project_url = f"http://127.0.0.1:{PROJECT_PORT}/catalogue/"
        bare_url = f"http://127.0.0.1:{BARE_PORT}/"
        _wait(project_url)
        _wait(bare_url)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        for warm in (project_url, bare_url):
            for _ in range(20):
                urllib.request.urlopen(warm, timeout=5).read()  # noqa: S310 — loopback only
        rps, p95 = _wrk(project_url, Path(script.name))
        bare_rps, bare_p95 = _wrk(bare_url, Path(script.name))
        print(
            f"catalogue (gunicorn, 2 workers, {OFFERINGS} offres, {PAGE_SIZE} par page) : {rps:.0f} req/s, p95 {p95:.1f} ms"
        )
        print(f"vue Django nue (mêmes lignes, gabarit simple) : {bare_rps:.0f} req/s, p95 {bare_p95:.1f} ms")
        result = {
            "page_size": PAGE_SIZE,
            "rps": round(rps, 1),
            "bare_rps": round(bare_rps, 1),
            "ratio": round(rps / bare_rps, 3),
            "p95_ms": round(p95, 1),
        }
        print(json.dumps(result))
        return 0
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(static_root, ignore_errors=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
