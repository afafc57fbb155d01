"""The wire protocol between the trusted grader and the worker: JSON header + raw array bytes.

Each message is a 4-byte big-endian header length, a UTF-8 JSON header, then the raw bytes of
every array in order. The header lists those byte counts under ``"$buffers"``; inside the payload
an array is ``{"$array": i, "dtype": "float64", "shape": [2, 3]}``. Tuples/lists travel as
``{"$tuple": [...]}``, dicts as ``{"$dict": [[key, value], ...]}``, live objects as
``{"$handle": id, "type": "LeNet"}`` and dtypes as ``{"$dtype": "float64"}``. From the trusted side
only, an array may also carry ``"keep": key`` (the worker keeps it under that key for the rest of
its life) and ``{"$kept": key}`` stands for an array sent that way earlier: a reference's weights that
several examples load (a ResNet-18's 11 M) cross the pipe once.

No pickle, ever: whatever the worker sends, the reader only ever builds plain Python values and
fresh ``numpy`` arrays (``np.frombuffer`` over bytes it read itself), after checking every size
against a cap, so a tensor subclass or a patched comparison on the other side changes nothing
here. Every string of a header is made safe to encode (invalid UTF-8 and lone surrogates such as
``"\\ud800"`` become U+FFFD), so the student's text can never make the reader's side crash later
when it writes a report. Example::

    header, buffers = pack({"value": np.eye(2)})
    write_message(fd, header, buffers)
    header, buffers = read_message(fd)          # raises ProtocolError on anything malformed
    unpack(header["value"], buffers)            # -> {"value": array([[1., 0.], [0., 1.]])}

This module imports only the standard library and numpy: the worker loads it inside the sandbox
as a plain script file, where the rest of ``autograder`` is not visible.
"""
from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from dataclasses import dataclass

import numpy as np

#: Arrays may only carry these dtypes (name on the wire -> numpy dtype, little-endian).
ALLOWED_DTYPES = {
    "float64": np.dtype("<f8"),
    "float32": np.dtype("<f4"),
    "float16": np.dtype("<f2"),
    "int64": np.dtype("<i8"),
    "int32": np.dtype("<i4"),
    "int16": np.dtype("<i2"),
    "int8": np.dtype("i1"),
    "uint8": np.dtype("u1"),
    "bool": np.dtype("?"),
}

MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_MESSAGE_BYTES = 1024 * 1024 * 1024
MAX_DEPTH = 32
#: Bytes per read/write call; pipes are widened to this size (see widen_pipe).
CHUNK_BYTES = 1 << 20
MAX_NDIM = 16
#: Bytes of kept arrays a worker holds at most (the trusted side keeps under this; see KeptArray).
MAX_KEPT_BYTES = 512 * 1024 * 1024
#: Characters of a kept array's key at most (the trusted side names them by a digest).
MAX_KEY_CHARS = 100
_LENGTH = struct.Struct(">I")


def N_(message: str) -> str:
    """Marks a message id of the student catalog (autograder/i18n.py): this file also runs alone in
    the sandbox, so an error carries its id and fields, translated where the trusted side shows it."""
    return message


def _render(message_id: str, params: dict) -> str:
    try:
        return message_id.format(**params) if params else message_id
    except (KeyError, IndexError, ValueError, AttributeError):
        return message_id


def _problem(kind: type, message_id: str, /, **params) -> Exception:
    """An exception of ``kind`` (ValueError, TypeError) whose text is ``message_id`` with its fields
    (English), carrying ``message_id`` and ``params`` for the trusted side to translate."""
    error = kind(_render(message_id, params))
    error.message_id, error.params = message_id, params
    return error


class ProtocolError(Exception):
    """A message broke the protocol (size, dtype, shape, structure): the peer is not trusted.

    ``message_id`` is a student catalog id, ``params`` its fields (plain str/int); ``str()`` is the
    English text, :func:`autograder.i18n.from_untrusted` shows it in the course's language.
    """

    def __init__(self, message_id: str = "", /, **params):
        self.message_id, self.params = message_id, params
        super().__init__(_render(message_id, params))


class PeerClosed(ProtocolError):
    """The other side closed its pipe (the worker exited or was killed)."""


class Timeout(Exception):
    """Reading or writing did not finish before the deadline."""


@dataclass(frozen=True)
class DType:
    """A torch dtype travelling as a value, e.g. ``DType("float64")`` for ``torch.float64``."""

    name: str

    def __post_init__(self):
        name = self.name.removeprefix("torch.")
        if name not in ALLOWED_DTYPES:
            raise _problem(ValueError, N_("unsupported dtype: {name!r}"), name=str(self.name))
        object.__setattr__(self, "name", name)


@dataclass(frozen=True)
class RawHandle:
    """A live object inside the worker, as the protocol sees it (the client wraps it)."""

    id: int
    type_name: str


@dataclass(frozen=True)
class StridedArray:
    """A non-contiguous tensor as it crosses from the trusted side to the worker: the flat
    ``base`` (1-D) and the view the worker rebuilds on it, ``as_strided(shape, strides, offset)``
    (in elements), so the student's code receives the same values in the same layout (transposed,
    sliced, channels-last). Never accepted from the worker: its replies are plain arrays."""

    base: np.ndarray
    shape: tuple
    strides: tuple
    offset: int

    def __post_init__(self):
        check_layout(self.base, self.shape, self.strides, self.offset)


def check_layout(base: np.ndarray, shape, strides, offset) -> None:
    """Raise ValueError unless ``as_strided(shape, strides, offset)`` stays inside the flat ``base``."""
    if not isinstance(base, np.ndarray) or base.ndim != 1:
        raise _problem(ValueError, N_("the base of a view must be a 1-D array"))
    if (not isinstance(shape, (tuple, list)) or not isinstance(strides, (tuple, list)) or len(shape) != len(strides)
            or len(shape) > MAX_NDIM):
        raise _problem(ValueError, N_("invalid shape and strides of the view"))
    if not all(type(v) is int and v >= 0 for v in (*shape, *strides)) or type(offset) is not int or offset < 0:
        raise _problem(ValueError, N_("shape, strides and offset must be non-negative integers"))
    if math.prod(shape) > MAX_MESSAGE_BYTES:
        raise _problem(ValueError, N_("view too large"))
    if math.prod(shape) == 0:
        if offset > base.size:
            raise _problem(ValueError, N_("offset outside the base"))
        return
    last = offset + sum((n - 1) * s for n, s in zip(shape, strides))
    if last >= base.size:
        raise _problem(ValueError, N_("the view reaches element {last}, but the base has {size}"), last=int(last),
                       size=int(base.size))


@dataclass(frozen=True)
class KeptArray:
    """An array the worker is to keep under ``key`` for later requests (trusted side -> worker
    only): the first time a large, reused value is sent. The worker holds at most
    :data:`MAX_KEPT_BYTES` of them."""

    array: np.ndarray
    key: str


@dataclass(frozen=True)
class KeptRef:
    """An array sent before as a :class:`KeptArray` with ``key``: the worker uses its copy."""

    key: str


@dataclass(frozen=True)
class Opaque:
    """A value the protocol cannot carry (e.g. a torch.device): only its type and a short repr."""

    type_name: str
    text: str


# ---------------------------------------------------------------------------------------------
# Encoding: Python values -> JSON-able payload + list of byte buffers
# ---------------------------------------------------------------------------------------------


class Packer:
    """Turns a value tree into a JSON payload, collecting array bytes on the side.

    ``array_hook(obj)`` lets the worker turn its own objects (tensors, modules) into
    ``np.ndarray``/``RawHandle``/``DType``/``Opaque`` before they are encoded.
    """

    def __init__(self, array_hook=None):
        self.buffers: list[memoryview] = []
        self.array_hook = array_hook

    def encode(self, value, depth: int = 0):
        if depth > MAX_DEPTH:
            raise _problem(ValueError, N_("structure nested too deeply"))
        if self.array_hook is not None:
            value = self.array_hook(value)
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.ndarray):
            return self._array(value)
        if isinstance(value, KeptArray):
            return dict(self._array(value.array), keep=_key(value.key))
        if isinstance(value, KeptRef):
            return {"$kept": _key(value.key)}
        if isinstance(value, StridedArray):
            check_layout(value.base, value.shape, value.strides, value.offset)
            return dict(self._array(value.base), layout={"shape": [int(v) for v in value.shape],
                                                         "strides": [int(v) for v in value.strides],
                                                         "offset": int(value.offset)})
        if isinstance(value, (tuple, list)):
            return {"$tuple": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, RawHandle):
            return {"$handle": int(value.id), "type": str(value.type_name)}
        if isinstance(value, DType):
            return {"$dtype": value.name}
        if isinstance(value, Opaque):
            return {"$opaque": str(value.type_name), "text": str(value.text)[:200]}
        raise _problem(TypeError, N_("type not supported by the protocol: {type}"), type=type(value).__name__)

    def _array(self, array: np.ndarray):
        name = next((n for n, dt in ALLOWED_DTYPES.items() if array.dtype == dt), None)
        if name is None:
            raise _problem(TypeError, N_("unsupported array dtype: {dtype}"), dtype=str(array.dtype))
        # A flat byte view of the (contiguous) values: written to the pipe without another copy.
        data = memoryview(np.ascontiguousarray(array, dtype=ALLOWED_DTYPES[name]).reshape(-1).view(np.uint8))
        self.buffers.append(data)
        return {"$array": len(self.buffers) - 1, "dtype": name, "shape": [int(s) for s in array.shape]}


def pack(payload: dict, array_hook=None) -> tuple[dict, list[memoryview]]:
    """Encode a dict of values into (header, buffers) ready for :func:`write_message`."""
    packer = Packer(array_hook)
    header = {key: packer.encode(value) for key, value in payload.items()}
    return header, packer.buffers


# ---------------------------------------------------------------------------------------------
# Decoding: payload + buffers -> plain Python values (strictly checked)
# ---------------------------------------------------------------------------------------------


def unpack(node, buffers: list[bytes], array_hook=None, depth: int = 0, *, layouts: bool = False,
           kept: dict | None = None):
    """Rebuild a value from its payload; arrays become fresh numpy arrays (or ``array_hook(array)``).

    Anything unexpected (unknown tag, bad dtype, buffer size != prod(shape) * itemsize,
    buffer reused) raises :class:`ProtocolError`. Only with ``layouts=True`` (the worker reading
    the trusted side's requests) may an array carry a ``"layout"`` (it becomes a StridedArray);
    the trusted side reads the worker's replies with the default, which refuses it. Likewise only
    with ``kept`` (the worker's store of kept arrays, key -> array) may an array say ``"keep"``
    or a ``{"$kept": key}`` stand for one: both are refused in the worker's replies.
    """
    return _Unpacker(buffers, array_hook, layouts, kept).decode(node, depth)


def _key(key) -> str:
    if type(key) is not str or not 0 < len(key) <= MAX_KEY_CHARS:
        raise ProtocolError(N_("invalid key of a kept array"))
    return key


class _Unpacker:
    def __init__(self, buffers, array_hook, layouts=False, kept=None):
        self.buffers = buffers
        self.used: set[int] = set()
        self.array_hook = array_hook
        self.layouts = layouts
        self.kept = kept

    def decode(self, node, depth=0):
        if depth > MAX_DEPTH:
            raise ProtocolError(N_("structure nested too deeply"))
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            raise ProtocolError(N_("untagged list in the message"))
        if not isinstance(node, dict) or len(node) == 0:
            raise ProtocolError(N_("invalid node: {type}"), type=type(node).__name__)
        if "$array" in node:
            return self._array(node)
        if "$kept" in node and self.kept is not None:
            key = _key(self._expect(node, "$kept", str))
            if key not in self.kept:
                raise ProtocolError(N_("no array is kept under {key!r}"), key=key[:40])
            array = self.kept[key]
            return self.array_hook(array) if self.array_hook is not None else array
        if "$tuple" in node:
            items = self._expect(node, "$tuple", list)
            return tuple(self.decode(v, depth + 1) for v in items)
        if "$dict" in node:
            pairs = self._expect(node, "$dict", list)
            out = {}
            for pair in pairs:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ProtocolError(N_("invalid key/value pair"))
                key = self.decode(pair[0], depth + 1)
                try:
                    hash(key)
                except TypeError:
                    raise ProtocolError(N_("unhashable dictionary key")) from None
                out[key] = self.decode(pair[1], depth + 1)
            return out
        if "$handle" in node:
            if set(node) != {"$handle", "type"} or type(node["$handle"]) is not int or not isinstance(node["type"], str):
                raise ProtocolError(N_("invalid handle"))
            return RawHandle(node["$handle"], node["type"][:200])
        if "$dtype" in node:
            name = self._expect(node, "$dtype", str)
            if name not in ALLOWED_DTYPES:
                raise ProtocolError(N_("dtype not allowed: {name!r}"), name=name[:40])
            return DType(name)
        if "$opaque" in node:
            if set(node) != {"$opaque", "text"} or not all(isinstance(v, str) for v in node.values()):
                raise ProtocolError(N_("invalid opaque value"))
            return Opaque(node["$opaque"][:200], node["text"][:200])
        raise ProtocolError(N_("unknown tag: {tags}"), tags=str(sorted(node)[:3])[:200])

    @staticmethod
    def _expect(node, key, kind):
        if set(node) != {key} or not isinstance(node[key], kind):
            raise ProtocolError(N_("invalid {key} node"), key=key)
        return node[key]

    def _array(self, node):
        layout = node.get("layout") if self.layouts else None
        keep = node.get("keep") if self.kept is not None else None
        if set(node) != ({"$array", "dtype", "shape"} | ({"layout"} if layout is not None else set())
                         | ({"keep"} if keep is not None else set())) or (keep is not None and layout is not None):
            raise ProtocolError(N_("invalid array description"))
        index, dtype_name, shape = node["$array"], node["dtype"], node["shape"]
        if type(index) is not int or not 0 <= index < len(self.buffers) or index in self.used:
            raise ProtocolError(N_("invalid or repeated buffer index"))
        if dtype_name not in ALLOWED_DTYPES:
            raise ProtocolError(N_("dtype not allowed: {name!r}"), name=str(dtype_name)[:40])
        if (not isinstance(shape, list) or len(shape) > MAX_NDIM
                or not all(type(s) is int and s >= 0 for s in shape)):
            raise ProtocolError(N_("invalid array shape"))
        dtype = ALLOWED_DTYPES[dtype_name]
        data = self.buffers[index]
        if len(data) != math.prod(shape) * dtype.itemsize:
            raise ProtocolError(N_("the buffer has {size} bytes and the shape {shape} x {itemsize} asks for another size"),
                                size=len(data), shape=str(shape)[:200], itemsize=dtype.itemsize)
        self.used.add(index)
        array = np.frombuffer(data, dtype=dtype).reshape(shape)
        if not isinstance(data, bytearray):  # bytes read by _read_exact are ours alone: no copy needed
            array = array.copy()
        if keep is not None:
            key = _key(keep)
            held = sum(a.nbytes for k, a in self.kept.items() if k != key)
            if held + array.nbytes > MAX_KEPT_BYTES:
                raise ProtocolError(N_("kept arrays over {limit} bytes"), limit=MAX_KEPT_BYTES)
            self.kept[key] = array
        if layout is not None:
            if not isinstance(layout, dict) or set(layout) != {"shape", "strides", "offset"}:
                raise ProtocolError(N_("invalid array view"))
            try:
                return StridedArray(array, tuple(layout["shape"]) if isinstance(layout["shape"], list) else None,
                                    tuple(layout["strides"]) if isinstance(layout["strides"], list) else None,
                                    layout["offset"])
            except ValueError as exc:
                raise ProtocolError(N_("invalid array view: {error}"), error=str(exc)) from None
        return self.array_hook(array) if self.array_hook is not None else array


# ---------------------------------------------------------------------------------------------
# Framing over file descriptors (pipes), with deadlines
# ---------------------------------------------------------------------------------------------


def write_message(fd: int, header: dict, buffers: list[bytes], deadline: float | None = None) -> None:
    """Send one message: length, JSON header (with the buffer sizes), then the buffers."""
    header = dict(header, **{"$buffers": [len(b) for b in buffers]})
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    _write_all(fd, _LENGTH.pack(len(raw)) + raw, deadline)
    for data in buffers:
        _write_all(fd, data, deadline)


def read_message(fd: int, deadline: float | None = None, *, max_header: int = MAX_HEADER_BYTES,
                 max_total: int = MAX_MESSAGE_BYTES, alive=None) -> tuple[dict, list[bytes]]:
    """Receive one message, enforcing the header and total size caps before reading the bytes.

    ``alive()``, when given, is polled while waiting: once it is False the peer counts as gone
    even if a child it forked still holds the pipe open.
    """
    (length,) = _LENGTH.unpack(_read_exact(fd, _LENGTH.size, deadline, alive))
    if length > max_header:
        raise ProtocolError(N_("header of {length} bytes (at most {limit})"), length=length, limit=max_header)
    try:
        header = safe_text(json.loads(_read_exact(fd, length, deadline, alive).decode("utf-8", "replace")))
    except (ValueError, RecursionError) as exc:  # RecursionError: absurd nesting
        raise ProtocolError(N_("header that is not valid JSON: {error}"), error=type(exc).__name__) from None
    if not isinstance(header, dict):
        raise ProtocolError(N_("the header must be a JSON object"))
    sizes = header.pop("$buffers", None)
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError(N_("invalid buffer list"))
    if length + sum(sizes) > max_total:
        raise ProtocolError(N_("message of {size} bytes (at most {limit})"), size=length + sum(sizes), limit=max_total)
    return header, [_read_exact(fd, size, deadline, alive) for size in sizes]


def safe_text(node, depth: int = 0):
    """``node`` (parsed JSON) with every string, keys included, encodable as UTF-8.

    JSON may carry ``"\\ud800"``: a lone surrogate that Python holds in a str but cannot encode,
    so writing it to a report later would raise. Such code points become U+FFFD.
    """
    if isinstance(node, str):
        try:
            node.encode("utf-8")
            return node
        except UnicodeEncodeError:
            return node.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if depth > 4 * MAX_DEPTH:
        raise ProtocolError(N_("structure nested too deeply"))
    if isinstance(node, list):
        return [safe_text(item, depth + 1) for item in node]
    if isinstance(node, dict):
        return {safe_text(key, depth + 1): safe_text(value, depth + 1) for key, value in node.items()}
    return node


def widen_pipe(fd: int) -> None:
    """Ask for a 1 MiB pipe buffer (default 64 KiB): large arrays then cross in far fewer steps."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, CHUNK_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or over /proc/sys/fs/pipe-max-size: the default works, only slower


def _wait(fd: int, for_write: bool, deadline: float | None, alive=None) -> None:
    if deadline is None:
        return
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout()
        step = remaining if alive is None else min(remaining, 0.25)
        ready = select.select([], [fd], [], step) if for_write else select.select([fd], [], [], step)
        if any(ready):
            return
        if alive is not None and not alive():
            raise PeerClosed(N_("the other end ended"))


def _read_exact(fd: int, size: int, deadline: float | None, alive=None) -> bytearray:
    data = bytearray(size)
    view, filled = memoryview(data), 0
    while filled < size:
        _wait(fd, False, deadline, alive)
        try:
            got = os.readv(fd, [view[filled: filled + CHUNK_BYTES]])
        except BlockingIOError:  # non-blocking fd: select said ready, the data went elsewhere
            continue
        if not got:
            raise PeerClosed(N_("the other end closed the connection"))
        filled += got
    return data


def _write_all(fd: int, data: bytes, deadline: float | None) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, True, deadline)
        try:
            written = os.write(fd, view[:CHUNK_BYTES])
        except BlockingIOError:  # non-blocking fd with less room than the chunk: wait again
            continue
        except BrokenPipeError:
            raise PeerClosed(N_("the other end closed the connection")) from None
        view = view[written:]
