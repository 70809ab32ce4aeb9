"""Does ``seedfeed serve`` still answer while hostile connections are held open?

    python bench/slowloris.py [--connections 1000] [--mode half-open|idle] [--requests 7] [--watch-close]

Starts ``seedfeed serve`` (its defaults, in a subprocess) on loopback over the
shipped seed, opens ``--connections`` hostile connections and keeps them open:

* ``half-open``: ``GET /atom.xml HTTP/1.1`` and a Host line, never finished;
* ``idle``: a whole conditional GET whose 304 is never read, then silence
  (an idle keep-alive connection).

Then, one after another, ``--requests`` normal conditional GETs on fresh
connections, each with an ``If-None-Match`` it should get a 304 for. The first
of them queues behind every hostile connection in the accept queue, so its
answer proves the server took all of them in; it is reported on its own
("accept all"), and the median and worst are of the others. ``--watch-close``
then waits for the server to close the hostile connections and reports when
it did.

Bounded: at most 10,000 connections, each normal request gives up after 20 s,
the close watch after 60 s.
"""

from __future__ import annotations

import argparse
import resource
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SEED = PROJECT / "seeds" / "2023-09-17-kim-jong-un-zakljucil-obisk-rusije.txt"
MAX_CONNECTIONS = 10_000
REQUEST_TIMEOUT = 20.0
CLOSE_WATCH = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def exchange(port: int, request: bytes, timeout: float = 10.0) -> tuple[bytes, float]:
    """Send ``request`` on a new connection; the response head and the seconds it took (``b""`` if none)."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        data = b""
    return data.partition(b"\r\n\r\n")[0], time.monotonic() - start


def wait_until_up(port: int) -> str:
    """Wait for the server; return the ETag of /atom.xml."""
    for _ in range(300):
        head, _ = exchange(port, b"GET /atom.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1.0)
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"etag:"):
                return line.split(b":", 1)[1].strip().decode()
        time.sleep(0.05)
    raise SystemExit("seedfeed serve did not come up")


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < wanted:
            raise SystemExit(f"RLIMIT_NOFILE hard limit {hard} is too low for {wanted} sockets")


def hold(port: int, count: int, payload: bytes) -> list[socket.socket]:
    """Open ``count`` connections and send each ``payload``; connections that fail are left out."""
    held = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2.0)
            sock.sendall(payload)
        except OSError:
            continue
        held.append(sock)
    return held


def watch_close(held: list[socket.socket], since: float, limit: float) -> list[float]:
    """Seconds from ``since`` until the server closed each held connection (EOF or reset), within ``limit``."""
    start = time.monotonic()
    open_ = {sock.fileno(): sock for sock in held}
    closed: list[float] = []
    poller = select.poll()
    for fd in open_:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while open_ and time.monotonic() - start < limit:
        for fd, _ in poller.poll(500):
            sock = open_[fd]
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                poller.unregister(fd)
                del open_[fd]
                closed.append(time.monotonic() - since)
    return closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--mode", choices=["half-open", "idle"], default="half-open")
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--watch-close", action="store_true")
    args = parser.parse_args()
    count = min(args.connections, MAX_CONNECTIONS)
    raise_fd_limit(count + 256)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "seeds").mkdir()
        (work / "seeds" / SEED.name).write_bytes(SEED.read_bytes())
        subprocess.run([sys.executable, "-m", "seedfeed", "build", "-q"], cwd=work, check=True)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "seedfeed", "serve", "-q", "--port", str(port)], cwd=work)
        try:
            etag = wait_until_up(port)
            conditional = f"GET /atom.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n"
            payload = (
                b"GET /atom.xml HTTP/1.1\r\nHost: x\r\n"
                if args.mode == "half-open"
                else f"GET /atom.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode()
            )
            start = time.monotonic()
            held = hold(port, count, payload)
            opened = time.monotonic()
            print(f"{len(held)} of {count} {args.mode} connections opened in {opened - start:.2f} s")
            results = [exchange(port, conditional.encode(), REQUEST_TIMEOUT) for _ in range(max(args.requests, 2))]
            answered = [seconds for head, seconds in results if head.startswith(b"HTTP/1.1 304 ")]
            first_head, first = results[0]
            rest = [seconds * 1000 for head, seconds in results[1:] if head.startswith(b"HTTP/1.1 304 ")]
            print(f"conditional GETs answered 304: {len(answered)} of {len(results)}", end=" ")
            print(f"(each gives up after {REQUEST_TIMEOUT:g} s)")
            print(f"accept all: the first, queued behind them, took {first:.3f} s ({first_head[:12]!r})")
            if rest:
                print(f"the next {len(results) - 1}: median {statistics.median(rest):.1f} ms, worst {max(rest):.1f} ms")
            if args.watch_close:
                closed = watch_close(held, opened, CLOSE_WATCH)
                if closed:
                    print(
                        f"server closed {len(closed)} of {len(held)} within {CLOSE_WATCH:g} s: "
                        f"first {min(closed):.1f} s, last {max(closed):.1f} s after the last was opened"
                    )
                else:
                    print(f"server closed none of {len(held)} within {CLOSE_WATCH:g} s")
            for sock in held:
                sock.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
