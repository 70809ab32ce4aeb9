"""Requests per second and p99 latency of ``seedfeed serve`` beside nginx, same files, same run.

    python bench/serve.py [--seconds 10] [--connections 50]

Needs ``wrk`` and ``nginx`` (Debian: ``apt-get install wrk nginx``). Serves the
feeds of a 200-seed synthetic corpus (50 entries per feed) from both servers on
loopback and drives each with wrk: a full ``200`` for ``/atom.xml``, and a
``304`` for the same URL with the ETag that server gave.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus

NGINX_CONF = """
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ application/atom+xml xml; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        etag on;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str) -> str:
    """Wait for the server; return the ETag of ``url``."""
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return str(response.headers["ETag"])
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


def wrk(url: str, seconds: int, connections: int, etag: str | None) -> tuple[float, float]:
    """Requests per second and p99 latency in milliseconds."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if etag:
        command[1:1] = ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if " 200 " not in out and "Non-2xx" in out and not etag:
        raise SystemExit(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is not installed (Debian: apt-get install wrk nginx)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx workers run as another user
        write_corpus(200, work / "seeds")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "seedfeed",
                "build",
                "-q",
                "--seeds",
                str(work / "seeds"),
                "--out",
                str(work / "feeds"),
            ],
            check=True,
        )
        size = (work / "feeds" / "atom.xml").stat().st_size
        ours, theirs = free_port(), free_port()
        (work / "nginx.conf").write_text(NGINX_CONF.format(work=work, port=theirs, root=work / "feeds"))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        servers = {
            "seedfeed serve (waitress)": (
                subprocess.Popen(
                    [sys.executable, "-m", "seedfeed", "serve", "-q", "--port", str(ours), "--out", str(work / "feeds")]
                ),
                ours,
            ),
            "nginx": (subprocess.Popen([nginx, "-c", str(work / "nginx.conf"), "-g", "daemon off;"]), theirs),
        }
        results: dict[tuple[str, str], tuple[float, float]] = {}
        try:
            for name, (_, port) in servers.items():
                url = f"http://127.0.0.1:{port}/atom.xml"
                etag = wait_until_up(url)
                results[(name, "200")] = wrk(url, args.seconds, args.connections, None)
                results[(name, "304")] = wrk(url, args.seconds, args.connections, etag)
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)
    print(f"atom.xml: {size} bytes; wrk -t2 -c{args.connections} -d{args.seconds}s on loopback")
    print(f"{'server':<28} {'response':<9} {'req/s':>10} {'p99 ms':>9} {'÷ nginx':>8}")
    for (name, kind), (rps, p99) in results.items():
        print(f"{name:<28} {kind:<9} {rps:>10.0f} {p99:>9.2f} {rps / results[('nginx', kind)][0]:>8.2f}")


if __name__ == "__main__":
    main()
