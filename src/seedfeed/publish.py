"""Write feeds so that a reader never sees a broken, half-written or needlessly changed one.

For each document: equal bytes → no write at all (mtime and ETag stay).
Otherwise: temporary file in the same directory → fsync → verify → chmod
0644 → ``os.replace``. All documents of one build are verified before any
is renamed, so a failure leaves every previous feed as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path

from .errors import PublishError

Verifier = Callable[[str, bytes], None]


def publish(out: Path, documents: Mapping[str, bytes], verify: Verifier) -> list[str]:
    """Write ``documents`` (``{file name: bytes}``) into ``out``; return the names rewritten.

    ``verify(name, data)`` raises to reject a document; then nothing is
    replaced and :class:`PublishError` names the file and the reason.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(out, f"cannot create the output directory: {exc.strerror}") from None
    _remove_stale_temporaries(out, documents)
    changed = {name: data for name, data in documents.items() if _current(out / name) != data}
    staged: dict[str, Path] = {}
    try:
        for name, data in changed.items():
            staged[name] = _stage(out, name, data)
            try:
                verify(name, staged[name].read_bytes())
            except Exception as exc:  # any verifier failure blocks publication
                raise PublishError(out / name, f"failed verification: {exc}") from exc
        for name, temp in staged.items():
            temp.replace(out / name)
        _fsync_dir(out)
    except OSError as exc:
        raise PublishError(out, f"cannot write: {exc.strerror or exc}") from None
    finally:
        for temp in staged.values():
            with suppress(FileNotFoundError):
                temp.unlink()
    return sorted(changed)


def _remove_stale_temporaries(out: Path, names: Mapping[str, bytes]) -> None:
    """Delete temporary files a killed build left behind (the caller holds the build lock)."""
    for name in names:
        for stale in out.glob(f".{name}.*.tmp"):
            with suppress(FileNotFoundError):
                stale.unlink()


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _stage(out: Path, name: str, data: bytes) -> Path:
    fd, temp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).chmod(0o644)  # mkstemp creates 0600: a web server could not read it
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
