"""The one safe reader of input files: bytes, UTF-8 text, YAML and checksums.

Every input is untrusted. Each function here turns every way a file can be wrong into one
:class:`~evaluation.errors.DataError` line naming the file, where, what was found and what was
expected:

- a path that is empty, missing, a folder, a symbolic-link loop, unreadable, or not a regular
  file (a FIFO or a device would block or never end);
- a file larger than a bound (:data:`MAX_YAML_BYTES` for YAML, :data:`MAX_TEXT_BYTES` otherwise);
- bytes that are not UTF-8;
- YAML that is malformed, has a duplicate key in a mapping (PyYAML would silently keep the
  last one), uses an alias (``*name``: refused, so an "alias bomb" cannot take minutes and
  gigabytes) or nests deeper than Python can construct.

YAML is parsed with PyYAML's safe loader (in C where libyaml is available); no tag can construct
a Python object.
"""

from __future__ import annotations

import errno
import hashlib
import os
import reprlib
import stat
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from evaluation.errors import DataError, Problem, display_path, problem

MAX_YAML_BYTES = 2_000_000
"""Largest YAML input accepted (the project's largest is about 30 kB)."""
MAX_TEXT_BYTES = 50_000_000
"""Largest text or CSV input accepted."""
MAX_YAML_DEPTH = 40
"""Deepest nesting of lists and mappings accepted (the project's files nest four levels)."""

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxstring = 3, 8, 30

_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(yaml.YAMLError):
    """A YAML construct the toolkit refuses, with where it is."""

    def __init__(self, reason: str, node: Node) -> None:
        super().__init__(reason)
        self.problem = reason
        self.problem_mark = node.start_mark


class StrictLoader(_BASE_LOADER):
    """PyYAML's safe loader that refuses aliases and duplicate mapping keys."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refused("an alias (*name) reusing an anchored value; aliases are not "
                           "accepted, write the value out", node)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise _Refused(f"a mapping key that is a {type(key).__name__}", key_node)
            if key in mapping:
                raise _Refused(f"duplicate key {key!r} (the first is kept by no reader; "
                               "remove one)", key_node)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def describe(value: Any) -> str:
    """A value's kind in words for messages: ``a list``, ``a string 'x'``, ``nothing (null)``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false {value!r}"
    if isinstance(value, str):
        return f"a string {value!r}" if len(value) <= 60 else f"a string {value[:57]!r}..."
    if isinstance(value, int):
        return f"an integer {value}"
    if isinstance(value, float):
        return f"a number {value!r}"
    if isinstance(value, list):
        shown = _SHORT.repr(value)
        if len(shown) <= 80:
            return f"the list {shown}"
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) as one space."""
    return " ".join(str(text).split())


def read_bytes(path: str | Path, *, expected: str = "a readable file",
               max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """Read a file's bytes, or raise one :class:`DataError` line saying why it cannot be read."""
    if str(path) == "" or str(path).strip() == "":
        raise DataError(problems=[problem("(no file name)", "", "an empty file name",
                                          expected)])
    path = Path(path)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or a device would block or never end
            raise DataError(problems=[problem(path, "", _file_kind(status.st_mode),
                                              f"{expected} (a regular file)"
                                              if not stat.S_ISDIR(status.st_mode)
                                              else expected)])
        if status.st_size > max_bytes:
            raise DataError(problems=[problem(path, "", f"{status.st_size} bytes",
                                              f"{expected} of at most {max_bytes} bytes")])
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # swapped for a FIFO since: no wait
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise DataError(problems=[problem(path, "", _file_kind(os.fstat(fd).st_mode),
                                                  f"{expected} (a regular file)")])
            return handle.read(max_bytes + 1)
    except DataError:
        raise
    except FileNotFoundError:
        found = "no such file" if not path.is_symlink() else "a symbolic link to nothing"
        raise DataError(problems=[problem(path, "", found, expected)]) from None
    except OSError as exc:
        found = ("a symbolic-link loop" if exc.errno == errno.ELOOP else
                 "a folder" if exc.errno == errno.EISDIR else
                 f"an unreadable file ({one_line(exc.strerror or str(exc))})")
        raise DataError(problems=[problem(path, "", found, expected)]) from None


def real_path_inside(path: Path, folder: Path, *, what: str = "folder") -> None:
    """Raise one :class:`DataError` line unless ``path`` is absent or a real ``what`` (a
    ``"folder"`` or a ``"file"``) inside ``folder``, reached without a symbolic link.

    Used before anything is written or removed there: every part of ``path`` below ``folder`` is
    checked with ``lstat`` (a link is refused, not followed) and its resolved form must lie
    inside ``folder``'s.
    """
    expected = (f"a real {what} inside {folder.name}/ or nothing (runs write and remove "
                "there; a link could make them delete or write elsewhere)")

    def refuse(at: Path, found: str) -> DataError:
        return DataError(problems=[Problem(_link_path(at), "", found, expected)])

    if not path.is_relative_to(folder):
        raise refuse(path, f"a path outside {folder}")
    current = folder
    for part in path.relative_to(folder).parts:
        current = current / part
        if current.is_symlink():
            raise refuse(current, f"a symbolic link to {os.readlink(current)}")
        if not current.exists():
            return
        if current != path and not current.is_dir():
            raise refuse(current, "a file where a folder belongs")
    kind = os.lstat(path).st_mode
    if not (stat.S_ISDIR(kind) if what == "folder" else stat.S_ISREG(kind)):
        raise refuse(path, _file_kind(kind))
    if not path.resolve().is_relative_to(folder.resolve()):
        raise refuse(path, f"a path that leads to {path.resolve()}")


def _link_path(path: Path) -> str:
    """``path`` as messages show it, its last part not followed (a link is named, not its
    target)."""
    return (Path(display_path(path.parent)) / path.name).as_posix()


def _file_kind(mode: int) -> str:
    """What ``mode`` (``st_mode``) is, in words."""
    return ("a folder" if stat.S_ISDIR(mode) else "a regular file" if stat.S_ISREG(mode) else
            "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a special file")


def decode_utf8(raw: bytes, path: str | Path) -> str:
    """Decode ``raw`` as UTF-8 or raise :class:`DataError` naming the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(problems=[problem(path, f"byte {exc.start}", "bytes that are not UTF-8",
                                          "UTF-8 text")]) from None


def read_text(path: str | Path, *, expected: str = "a UTF-8 text file",
              max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Read a UTF-8 text file (see :func:`read_bytes` for what is refused)."""
    return decode_utf8(read_bytes(path, expected=expected, max_bytes=max_bytes), path)


def sha256_file(path: str | Path) -> str:
    """The hex sha256 of a file's bytes (see :func:`read_bytes` for what is refused)."""
    return hashlib.sha256(read_bytes(path, expected="a document file")).hexdigest()


def _check_depth(root: Node) -> None:
    """Refuse a document nested deeper than :data:`MAX_YAML_DEPTH` (walked without recursion)."""
    stack: list[tuple[Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_YAML_DEPTH} levels", node)
        if id(node) in seen:
            raise _Refused("an alias (*name) reusing an anchored value; aliases are not "
                           "accepted, write the value out", node)
        seen.add(id(node))
        if isinstance(node.value, list):
            for item in node.value:
                children = item if isinstance(item, tuple) else (item,)
                stack.extend((child, depth + 1) for child in children)


def parse_yaml(text: str, path: str | Path) -> Any:
    """Parse YAML ``text`` read from ``path`` with :class:`StrictLoader`."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_depth(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        found = (reason if isinstance(exc, _Refused) else f"malformed YAML ({one_line(reason)})")
        raise DataError(problems=[problem(path, where, found, "valid YAML without duplicate "
                                          "keys or aliases" if isinstance(exc, _Refused)
                                          else "valid YAML")]) from None
    except RecursionError:
        raise DataError(problems=[problem(path, "", "YAML nested too deeply to read",
                                          "a YAML document nested a few levels")]) from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file: one :class:`DataError` line for every way it can be wrong."""
    raw = read_bytes(path, expected="a YAML file", max_bytes=MAX_YAML_BYTES)
    if not raw.strip():
        raise DataError(problems=[problem(path, "", "an empty file", "a YAML document")])
    return parse_yaml(decode_utf8(raw, path), path)


def read_yaml_mapping(path: str | Path, *, expected: str = "a mapping of keys to values"
                      ) -> dict[Any, Any]:
    """Read a YAML file whose top level must be a mapping."""
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DataError(problems=[problem(path, "top level", describe(doc), expected)])
    return doc


def read_yaml_list(path: str | Path, key: str, *, items: str) -> list[Any]:
    """Read a YAML file whose entries are a list under the top-level ``key``.

    Parameters
    ----------
    path
        The YAML file.
    key
        The top-level key holding the list (``"sources"``, ``"checks"`` ...).
    items
        What the list holds, for the error message (``"source entries"``).

    Raises
    ------
    DataError
        When the file cannot be read (see :func:`read_yaml`) or has no list under ``key``.
    """
    expected = f"a list of {items} under the key {key!r}"
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DataError(problems=[problem(path, "top level", describe(doc),
                                          f"a mapping with {expected}")])
    if key not in doc:
        raise DataError(problems=[problem(path, "top level", f"keys {sorted(map(str, doc))}",
                                          expected)])
    entries = doc[key]
    if not isinstance(entries, list):
        raise DataError(problems=[problem(path, key, describe(entries), expected)])
    return entries
