"""Every file a scenario reads or a run writes: allowed folders, bounded reads, atomic run folders.

A scenario may read (through `extends:`, `market.btc_csv`, lessons …) only inside the folders the
user allows: the scenario library, the folder of the file that names the path, the folders given
with `--allow-dir` or in the `SANDBOX_ALLOW_DIRS` setting. Paths are resolved, symlinks included,
before they are checked. Reads are bounded and refuse anything that is not a regular text file.

A run writes into a fresh temporary folder beside its `--out` and moves it into place when complete,
`summary.json` last, while holding a lock so that two runs aimed at one folder cannot mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ScenarioError, clip

ALLOW_ENV = "SANDBOX_ALLOW_DIRS"
"""Setting (environment variable): more folders a scenario may read from, separated by ':'."""
MAX_SCENARIO_BYTES = 1 << 20
"""Largest scenario file read (1 MiB; the library's largest is about 12 kB)."""
MAX_DATA_BYTES = 32 << 20
"""Largest data file (e.g. a price series) read (32 MiB)."""
RUN_MARKER = "summary.json"
"""The file every run folder has (written last); a folder without it is never replaced."""
MAX_NAME = 80
"""Longest folder or file name derived from a scenario's name."""


def library_root() -> Path:
    """`./configs` when run from a checkout, else the configs beside the installed package."""
    here = Path.cwd() / "configs"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "configs"


def in_library(reference: str | Path) -> Path | None:
    """The library's scenario a name means, if there is one: `aifc_pilot_2022`,
    `aifc_pilot_2022.yaml`, or `configs/aifc_pilot_2022.yaml` as `sandbox scenarios` lists it.
    Only a file inside the library is found (a scenario may always read there)."""
    name = Path(reference)
    if name.is_absolute() or not name.name:
        return None
    root = library_root().resolve()
    for candidate in (root / name, root.parent / name):
        for named in (candidate, candidate.with_name(f"{candidate.name}.yaml")):
            real = named.resolve()
            if real.is_file() and real.is_relative_to(root):
                return real
    return None


def find_scenario(path: str | Path) -> Path:
    """The scenario file `path` names: itself if it exists, else the library's scenario of that
    name (`in_library`), so a library scenario opens by name from any folder; else `path` (its
    read then says there is no such file)."""
    path = Path(path)
    return path if path.exists() else in_library(path) or path


def safe_name(text: str, fallback: str = "unnamed") -> str:
    """A file-name-safe name: no folders, no leading dots, at most MAX_NAME characters."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:MAX_NAME].strip("-.")
    return name or fallback


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """The folders a scenario may read from (besides the folder of the file naming the path)."""

    roots: tuple[Path, ...]

    @classmethod
    def default(cls, allow: Sequence[str | Path] = ()) -> Access:
        """The library, the `SANDBOX_ALLOW_DIRS` setting and the given folders, resolved."""
        setting = [p for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p.strip()]
        folders = [library_root(), *setting, *allow]
        return cls(tuple(dict.fromkeys(Path(p).expanduser().resolve() for p in folders)))

    def resolve(self, reference: str, base: Path, key: str, where: str) -> Path:
        """The real path `reference` names, relative to folder `base`, if a scenario may read it."""
        if "\x00" in reference or not reference.strip():
            raise ScenarioError([f"{key}: not a file name, got {clip(repr(reference))} ({where})"])
        base = base.resolve()
        target = (base / Path(reference).expanduser()).resolve()
        if not any(target.is_relative_to(root) for root in (base, *self.roots)):
            raise ScenarioError(
                [
                    f"{key}: '{clip(reference, 200)}' is outside the folders a scenario may read "
                    f"(its own folder, the scenario library, --allow-dir) ({where})"
                ]
            )
        return target


def _line_of(data: bytes, index: int) -> int:
    return data.count(b"\n", 0, index) + 1


def read_text(path: Path, limit: int = MAX_SCENARIO_BYTES, what: str = "scenario file") -> str:
    """The text of a regular UTF-8 file of at most `limit` bytes, or a one-line `ScenarioError`."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such {what}"]) from None
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read it ({error.strerror})"]) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError([f"{path}: is a folder, not a {what}"])
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError([f"{path}: not a regular file (a device, pipe or socket)"])
    too_big = f"{path}: larger than the {limit // 1024:,} kB a {what} may have"
    if info.st_size > limit:
        raise ScenarioError([too_big])
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read it ({error.strerror})"]) from None
    if len(data) > limit:
        raise ScenarioError([too_big])
    if (nul := data.find(b"\x00")) >= 0:
        raise ScenarioError([f"{path}: not a text file (a NUL byte on line {_line_of(data, nul)})"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _line_of(data, error.start)
        raise ScenarioError([f"{path}: not UTF-8 text (line {line})"]) from None


# --- writing ------------------------------------------------------------------------------------


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file so that it appears whole or not at all (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(name, 0o644)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


class OutError(ScenarioError):
    """The output folder cannot be used (checked before anything is simulated)."""


def check_out(out: Path | str) -> Path:
    """`out` as a usable output folder path, or an `OutError` saying why not."""
    text = str(out)
    if not text.strip() or text.strip() in {".", "/"}:
        raise OutError([f"--out {text!r}: give a folder for the run's files, e.g. runs/mine"])
    path = Path(text).expanduser()
    if "\x00" in text or len(path.name.encode()) > 255:
        raise OutError([f"--out {clip(text)}: not a usable folder name"])
    if path.exists() and not path.is_dir():
        raise OutError([f"--out {clip(text)}: is a file, not a folder"])
    if path.is_dir() and any(path.iterdir()) and not (path / RUN_MARKER).is_file():
        raise OutError(
            [
                f"--out {clip(text)}: holds files but no {RUN_MARKER}, so it is not a run folder "
                "to replace; choose a new or empty folder"
            ]
        )
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutError([f"--out {clip(text)}: cannot create {parent} ({error.strerror})"]) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutError([f"--out {clip(text)}: cannot write in {parent} (permission denied)"])
    return path


class RunFolder:
    """A run's output folder, written in a temporary folder and moved into place when complete.

    Use as a context manager: `with RunFolder(out) as folder: write files into folder.path`, then
    `folder.commit()`. The lock beside `out` is held from the start, so a second run aimed at the
    same folder is refused at once instead of mixing files with the first.
    """

    def __init__(self, out: Path | str, keep: bool = False) -> None:
        self.out = check_out(out)
        self.keep = keep
        self._lock_handle: int | None = None
        self.path = self.out  # replaced by the temporary folder in __enter__

    def __enter__(self) -> RunFolder:
        if self._lock_handle is not None:  # already entered (e.g. checked early, then `with`)
            return self
        parent, name = self.out.absolute().parent, self.out.name
        lock = parent / f".{name}.lock"
        try:
            handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise OutError([f"--out {self.out}: cannot lock it ({error.strerror})"]) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise OutError(
                [f"--out {self.out}: another run is writing there; wait for it or choose another"]
            ) from None
        self._lock_handle = handle
        for stale in parent.glob(f".{name}.tmp-*"):  # left by a run that was killed
            shutil.rmtree(stale, ignore_errors=True)
        try:
            self.path = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent))
            self.path.chmod(0o755)
        except OSError as error:
            self._unlock()
            raise OutError([f"--out {self.out}: cannot write there ({error.strerror})"]) from None
        return self

    def commit(self) -> Path:
        """Move the finished folder into place (the old one removed, or with `keep` set aside)."""
        out = self.out
        if out.exists() or out.is_symlink():
            if self.keep:
                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                aside = out.with_name(f"{out.name}.{stamp}")
                n = 1
                while aside.exists():
                    aside, n = out.with_name(f"{out.name}.{stamp}-{n}"), n + 1
                os.rename(out, aside)
            else:
                old = out.with_name(f".{out.name}.tmp-old-{os.getpid()}")
                os.rename(out, old)
                shutil.rmtree(old, ignore_errors=True)
        os.rename(self.path, out)
        self.path = out
        return out

    def _unlock(self) -> None:
        if self._lock_handle is not None:
            os.close(self._lock_handle)
            self._lock_handle = None

    def __exit__(self, *exc: object) -> None:
        if self.path != self.out:
            shutil.rmtree(self.path, ignore_errors=True)
        self._unlock()


@contextlib.contextmanager
def run_folder(out: Path | str, keep: bool = False) -> Iterator[RunFolder]:
    """`RunFolder` as a plain context manager."""
    with RunFolder(out, keep) as folder:
        yield folder
