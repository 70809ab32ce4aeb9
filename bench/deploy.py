"""Time ``seedfeed deploy`` against a local S3-compatible server (moto_server on 127.0.0.1).

    python bench/deploy.py --n 10000

Builds a synthetic corpus of ``--n`` seeds, then times whole ``seedfeed deploy``
processes: the first deploy of the output (objects, MB, seconds), a deploy with
nothing changed, and a deploy after one new seed (objects sent, seconds).
Needs the test extras (``moto[server]``, ``boto3``).
"""

from __future__ import annotations

import argparse
import os
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

ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stderr


def summary(stderr: str) -> tuple[int, int, int]:
    found = re.search(r"uploaded (\d+) object\(s\), deleted (\d+), (\d+) unchanged", stderr)
    if found is None:
        raise SystemExit(f"no deploy summary in: {stderr[-500:]}")
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="corpus size")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="seedfeed-deploy-"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/news", method="PUT")):
            pass
        seeds = work / "seeds"
        write_corpus(args.n, seeds)
        base = [sys.executable, "-m", "seedfeed"]
        subprocess.run([*base, "build", "-q"], cwd=work, check=True)
        out = work / "feeds"
        files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        deploy = [*base, "deploy", "--to", "s3://news/feeds", "--endpoint-url", f"http://127.0.0.1:{port}"]
        seconds, stderr = timed(deploy, work)
        sent, _, _ = summary(stderr)
        print(f"first deploy of {args.n} seeds' output: {sent} objects, {megabytes:.1f} MB, {seconds:.2f} s")
        seconds, stderr = timed(deploy, work)
        sent, deleted, unchanged = summary(stderr)
        print(f"deploy with nothing changed: {sent} sent, {deleted} deleted, {unchanged} unchanged, {seconds:.2f} s")
        (seeds / "2026-11-26-nova.txt").write_text("Nova novica\nBesedilo.\nVir: STA\n", encoding="utf-8")
        subprocess.run([*base, "build", "-q"], cwd=work, check=True)
        seconds, stderr = timed(deploy, work)
        sent, deleted, unchanged = summary(stderr)
        print(f"deploy after one new seed: {sent} objects sent, {deleted} deleted, {seconds:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
