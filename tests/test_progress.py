"""A progress bar for builds longer than a second, on a terminal only."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from seedfeed.progress import wanted

from .test_regeneration import many_seeds


def test_no_bar_with_quiet_or_without_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wanted(False, Terminal())
    assert not wanted(True, Terminal())
    assert not wanted(False, io.StringIO())


def run_on_terminal(command: list[str], cwd) -> str:
    """Run ``command`` with stderr on a 24x100 pseudo-terminal; return what it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert process.wait(timeout=120) == 0
    return output.decode("utf-8", "replace")


@pytest.mark.slow
def test_a_long_build_shows_a_bar_on_a_terminal_and_nothing_in_a_pipe(tmp_path) -> None:
    many_seeds(tmp_path / "seeds", 6000)  # each phase must last over a second for its bar to show
    (tmp_path / "seedfeed.toml").write_text("[site]\nlimit = 10\npage_size = 10\n")
    shown = run_on_terminal([sys.executable, "-m", "seedfeed", "build"], tmp_path)
    assert "%|" in shown and ("seeds read" in shown or "pages rendered" in shown)
    (tmp_path / ".seedfeed").rename(tmp_path / "old-state")
    piped = subprocess.run([sys.executable, "-m", "seedfeed", "build"], cwd=tmp_path, capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == ""
    quiet = run_on_terminal([sys.executable, "-m", "seedfeed", "build", "-q"], tmp_path)
    assert "%|" not in quiet
