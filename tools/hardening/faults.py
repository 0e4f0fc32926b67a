"""Disk and index faults: a full disk (a small tmpfs, or a file-size limit), a read-only index root, a corrupt
build, a broken `current` link. Used by tests/hardening/test_disk_faults.py and `scripts/harden faults`."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tools.hardening import common
from tools.hardening.common import ROOT


def update_command(src: Path, root: Path, *extra: str) -> list[str]:
    """The update of `root` from one source folder with one worker (a fault's effect stays in one process)."""
    return common.update_command([src], root, "--workers", "1", *extra)


def run_with_file_size_limit(cmd: list[str], limit: int) -> subprocess.CompletedProcess:
    """cmd with RLIMIT_FSIZE: a write past `limit` bytes fails with EFBIG (SIGXFSZ ignored), like a full disk."""

    def limit_writes() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limit_writes, check=False
    )


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path | None]:
    """A tmpfs of `size` at path (root only); None where it cannot be mounted."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)):
        yield None
        return
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[str]:
    """`path` made read-only: a read-only bind mount on itself as root, chmod otherwise (root ignores modes)."""
    if os.geteuid() == 0 and _mount("--bind", str(path), str(path)):
        try:
            if _mount("-o", "remount,ro,bind", str(path)):
                yield "read-only bind mount"
                return
        finally:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)
    if os.geteuid() == 0:
        raise RuntimeError("cannot make a folder read-only for root without a bind mount")
    modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")] if p.is_dir() and not p.is_symlink()}
    for p in modes:
        p.chmod(0o555)
    try:
        yield "chmod 555"
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def fill_disk(folder: Path, leave: int) -> Path:
    """A file that takes all but `leave` bytes of the file system holding `folder`."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def corrupt(path: Path) -> None:
    """Overwrite the middle of a file with garbage, keeping its size."""
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = b"\xde\xad\xbe\xef" * 16
    data[:16] = b"\x00" * 16
    path.write_bytes(bytes(data))
