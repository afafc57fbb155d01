"""Student files on the trusted side: read without following a link, and within caps.

Everything a student hands the grader is hostile. A submission folder (and the exchange's inbound
copy of it, which its student may change at will) can hold a symlink to the course's solutions
or to ``/etc/shadow``, a FIFO that blocks its reader, a device, a hard link to someone else's
file, a 1 GB "notebook" or an archive to be unpacked. This module is the one way the trusted side
reads such a tree (collect, loading a submission, the grading cache, feedback):

- every path component is opened relative to the folder above it with ``O_NOFOLLOW`` (a link is
  never followed, not even in the middle of a path), and what was opened is checked with
  ``fstat`` (what we read is what we checked): only a regular file with one link, owned by the
  owner of the submission's folder and within :class:`~autograder.config.SubmissionLimits`, is read;
- anything else is a :class:`Refusal`: the file's name and why, in Spanish, never its bytes;
- an archive inside a submission is refused (by its name and by its first bytes): nothing here
  ever unpacks one.

The folder handed in (``root``) is the submission's own: its last component is not followed
either; the path above it is the instructor's and is. Example::

    tree = scan(Path("inbound/ana+convolutions+..."), limits)   # reads every accepted file
    tree.files["convolutions.ipynb"]                            # b'{"cells": ...'
    tree.refused                                                # [Refusal('sol.py', 'es un enlace simbólico')]
    data = read_file(Path("entrega"), "convolutions.ipynb", limits)
"""
from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from autograder.config import SubmissionLimits
from autograder.i18n import _

#: What nbgrader's collect leaves out by default (``CourseDirectory.ignore``): never collected, never read.
IGNORED_NAMES = frozenset({".ipynb_checkpoints", "__pycache__", "feedback"})
IGNORED_SUFFIXES = (".pyc",)

#: Names and first bytes of archives: a submission never holds one that we would unpack.
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".7z", ".rar",
                    ".lz", ".lzma", ".z", ".jar", ".whl", ".egg", ".nbz")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00",
                  b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x28\xb5\x2f\xfd", b"\x1f\x9d", b"\x1f\xa0")

#: Folders nested deeper than this inside one submission are refused.
MAX_DEPTH = 16
#: How many refusals a note lists before it only counts the rest.
NOTED_REFUSALS = 10

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Refusal:
    """A student file the trusted side did not read: its path in the submission and why."""

    path: str
    reason: str

    def note(self) -> str:
        return _("«{path}» was refused: {reason}; nothing of its content was read.", path=self.path, reason=self.reason)


class Refused(Exception):
    """Raised for one file; ``str`` names the file and the reason, never the file's bytes."""

    def __init__(self, path: str, reason: str):
        self.refusal = Refusal(shown_name(path), reason)
        super().__init__(f"{self.refusal.path}: {reason}")


@dataclass
class StudentTree:
    """What :func:`scan` found: accepted files (relative POSIX path -> bytes, or None when not read)."""

    files: dict[str, Optional[bytes]] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    #: The latest change time (``st_ctime``) of any entry, the folder itself included: the
    #: kernel sets it, and nobody but root can set it back.
    latest_ctime: float = 0.0
    total_bytes: int = 0
    owner: Optional[int] = None
    entries: int = 0

    def notes(self) -> list[str]:
        return refusal_notes(self.refused)


def refusal_notes(refused: list[Refusal]) -> list[str]:
    """One note per refused file (the first :data:`NOTED_REFUSALS`), then a count of the rest."""
    notes = [r.note() for r in refused[:NOTED_REFUSALS]]
    if len(refused) > NOTED_REFUSALS:
        notes.append(_("And {count} more refused file(s).", count=len(refused) - NOTED_REFUSALS))
    return notes


def shown_name(name: str, limit: int = 120) -> str:
    """A file name safe to print: control and undecodable characters escaped, long names cut."""
    shown = "".join(c if c.isprintable() and not 0xDC80 <= ord(c) <= 0xDCFF else f"\\x{ord(c) & 0xFF:02x}"
                    for c in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def valid_name(name: str) -> bool:
    """A single path component we are willing to recreate: printable, decodable, not ``.``/``..``."""
    return (0 < len(name) <= 255 and name not in (".", "..") and "/" not in name and "\\" not in name
            and all(c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF for c in name))


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def looks_like_archive(head: bytes) -> bool:
    """Whether a file's first bytes (at least 262 of them, when it has them) are an archive's."""
    return head.startswith(_ARCHIVE_MAGIC) or head[257:262] == b"ustar"


def megabytes(n: float) -> str:
    value = n / 2**20
    return f"{value:.0f} MB" if value >= 100 else f"{value:.3g} MB"


def stat_problem(st: os.stat_result, owner: Optional[int]) -> Optional[str]:
    """Why an entry (from ``lstat``/``fstat``) is not a plain file or folder of the submission's owner."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return _("it is a symbolic link")
    if stat.S_ISFIFO(mode):
        return _("it is a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return _("it is a socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("it is a device")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return _("it is not a regular file")
    if stat.S_ISREG(mode) and st.st_nlink > 1:
        return _("it is a hard link (the same file has {count} names)", count=st.st_nlink)
    if owner is not None and st.st_uid != owner:
        return _("it does not belong to whoever made the submission")
    return None


def _open_error(exc: OSError, what: str = "archivo") -> str:
    if exc.errno == errno.ELOOP:
        return _("it is a symbolic link")
    if exc.errno == errno.ENOTDIR:
        return _("it is not a folder") if what == "carpeta" else _("a part of its path is not a folder")
    if exc.errno == errno.ENXIO:
        return _("it is a socket")
    return _("it could not be opened ({error})", error=exc.strerror)


def open_folder(folder: Path, *, follow_last: bool = False) -> int:
    """A directory fd on ``folder``; its last component is not followed unless ``follow_last``."""
    flags = _DIR_FLAGS & ~os.O_NOFOLLOW if follow_last else _DIR_FLAGS
    try:
        return os.open(folder, flags)
    except OSError as exc:
        reason = _open_error(exc, "carpeta")
        if exc.errno == errno.ENOTDIR and os.path.islink(folder):  # O_NOFOLLOW|O_DIRECTORY on a link: ENOTDIR
            reason = _("it is a symbolic link")
        raise Refused(Path(folder).name or str(folder), reason) from None


def read_at(dir_fd: int, name: str, shown: str, limits: SubmissionLimits, *, owner: Optional[int] = None,
            cap: Optional[int] = None, refuse_archives: bool = True) -> bytes:
    """The bytes of ``name`` in the folder ``dir_fd``: a regular file, not a link, within ``cap``."""
    cap = limits.file_bytes if cap is None else cap
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise Refused(shown, _open_error(exc)) from None
    try:
        st = os.fstat(fd)
        problem = stat_problem(st, owner)
        if problem is None and not stat.S_ISREG(st.st_mode):
            problem = _("it is not a regular file")
        if problem:
            raise Refused(shown, problem)
        if st.st_size > cap:
            raise Refused(shown, _("it weighs {size}; the maximum is {cap}", size=megabytes(st.st_size), cap=megabytes(cap)))
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(_CHUNK, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:  # it grew while we read it
            raise Refused(shown, _("it weighs more than {cap}, the maximum", cap=megabytes(cap)))
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if refuse_archives and looks_like_archive(data[:262]):
        raise Refused(shown, _("it is an archive (the files inside a submission are not unpacked)"))
    return data


def read_file(root: Path, relpath: str, limits: SubmissionLimits, *, owner: Optional[int] = None,
              follow_root: bool = False, cap: Optional[int] = None) -> bytes:
    """One file of the submission folder ``root``, every component opened without following a link.

    ``owner`` defaults to the owner of ``root``. With ``follow_root`` (a file the instructor named
    directly: its folder is the instructor's), ``root`` itself may be reached through a link and
    nobody's ownership is checked.
    """
    parts = [p for p in relpath.split("/") if p]
    if not parts or any(not valid_name(p) for p in parts):
        raise Refused(relpath, _("it is not a valid path inside the submission"))
    fd = open_folder(root, follow_last=follow_root)
    try:
        if owner is None and not follow_root:
            owner = os.fstat(fd).st_uid
        for i, part in enumerate(parts[:-1]):
            shown = "/".join(parts[: i + 1])
            try:
                st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            except OSError as exc:
                raise Refused(shown, _open_error(exc)) from None
            problem = stat_problem(st, owner)
            if problem:
                raise Refused(shown, problem)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                raise Refused(shown, _open_error(exc, "carpeta")) from None
            os.close(fd)
            fd = child
        return read_at(fd, parts[-1], "/".join(parts), limits, owner=owner, cap=cap)
    finally:
        os.close(fd)


def scan(root: Path, limits: SubmissionLimits, *, owner: Optional[int] = None,
         read: Callable[[str], bool] = lambda relpath: True, skip_ignored: bool = True) -> StudentTree:
    """Every entry under the submission folder ``root``: the accepted files and the refusals.

    Files for which ``read(relpath)`` is true are read (bytes in ``files``); the others are only
    listed (``None``). ``owner`` defaults to the owner of ``root``. Raises :class:`Refused` only
    for ``root`` itself (a link, not a folder).
    """
    tree = StudentTree()
    fd = open_folder(root)
    try:
        st = os.fstat(fd)
        tree.owner = st.st_uid if owner is None else owner
        if st.st_uid != tree.owner:
            raise Refused(Path(root).name, _("it does not belong to whoever made the submission"))
        tree.latest_ctime = st.st_ctime
        _walk(tree, fd, "", 0, limits, read, skip_ignored)
    finally:
        os.close(fd)
    return tree


def _walk(tree: StudentTree, dir_fd: int, prefix: str, depth: int, limits: SubmissionLimits,
          read: Callable[[str], bool], skip_ignored: bool) -> None:
    for name in sorted(os.listdir(dir_fd)):
        relpath = prefix + name
        if skip_ignored and (name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES)):
            continue
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            continue  # removed while we looked
        tree.latest_ctime = max(tree.latest_ctime, st.st_ctime)
        if not valid_name(name):
            tree.refused.append(Refusal(shown_name(relpath), _("its name has invalid characters")))
            continue
        tree.entries += 1
        if tree.entries > limits.files:
            if tree.entries == limits.files + 1:
                tree.refused.append(Refusal(shown_name(relpath), _("the submission has more than {files} files; "
                                                   "this one and the following were not read", files=limits.files)))
            continue
        problem = stat_problem(st, tree.owner)
        if problem:
            tree.refused.append(Refusal(shown_name(relpath), problem))
            continue
        if stat.S_ISDIR(st.st_mode):
            if depth + 1 >= MAX_DEPTH:
                tree.refused.append(Refusal(shown_name(relpath), _("it is nested too deep")))
                continue
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                tree.refused.append(Refusal(shown_name(relpath), _open_error(exc, "carpeta")))
                continue
            try:
                now = os.fstat(child)
                if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                    tree.refused.append(Refusal(shown_name(relpath), _("it changed while it was read")))
                    continue
                _walk(tree, child, relpath + "/", depth + 1, limits, read, skip_ignored)
            finally:
                os.close(child)
            continue
        if is_archive_name(name):
            tree.refused.append(Refusal(shown_name(relpath), _("it is an archive (the files inside a submission are not unpacked)")))
            continue
        if st.st_size > limits.file_bytes:
            tree.refused.append(Refusal(shown_name(relpath), _("it weighs {size}; the maximum is {cap}", size=megabytes(st.st_size),
                                          cap=megabytes(limits.file_bytes))))
            continue
        room = limits.submission_bytes - tree.total_bytes
        if st.st_size > room:
            tree.refused.append(Refusal(shown_name(relpath), _("the submission exceeds {cap} in total, the maximum",
                                          cap=megabytes(limits.submission_bytes))))
            continue
        if not read(relpath):
            tree.files[relpath] = None
            tree.total_bytes += st.st_size
            continue
        try:
            data = read_at(dir_fd, name, relpath, limits, owner=tree.owner, cap=min(limits.file_bytes, room))
        except Refused as exc:
            tree.refused.append(exc.refusal)
            continue
        tree.files[relpath] = data
        tree.total_bytes += len(data)


def write_tree(dest: Path, files: dict[str, bytes]) -> None:
    """Write accepted files (relative POSIX paths) under ``dest``, a fresh folder of ours."""
    for relpath, data in sorted(files.items()):
        target = dest.joinpath(*relpath.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
