"""What a client's parser requires of a JSON answer, written as a shape and checked whole.

A shape is a type (`str`, `int`, `bool`, `float`, `dict`, `list`), one of the checkers below
(`DATETIME`, `URL`, `nullable(...)`, `one_of(...)`), a dict of keys to shapes (every key
required; `optional("key")` marks one that may be missing) or a one-element list (every item
of that shape). `mismatches` returns every place the value differs, so one failing test names
all that a client would choke on.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


@dataclass(frozen=True)
class Checker:
    name: str
    accepts: Callable[[Any], bool]


@dataclass(frozen=True)
class optional:  # lower case: it reads as a marker inside a shape
    key: str


def nullable(shape: object) -> Checker:
    return Checker(f"{shape_name(shape)} or null",
                   lambda value: value is None or not mismatches(value, shape))


def one_of(*shapes: object) -> Checker:
    return Checker(" or ".join(shape_name(shape) for shape in shapes),
                   lambda value: any(not mismatches(value, shape) for shape in shapes))


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# Go's time.Time, Rust's DateTime<Utc> and zod's datetime() all take this form.
DATETIME = Checker("an RFC 3339 UTC datetime ending in Z",
                   lambda value: isinstance(value, str) and bool(RFC3339_UTC.match(value)))
URL = Checker("an absolute URL", _is_url)
ID = Checker("an id as a string of digits",
             lambda value: isinstance(value, str) and value.isdecimal())


def shape_name(shape: object) -> str:
    if isinstance(shape, Checker):
        return shape.name
    if isinstance(shape, type):
        return shape.__name__
    return type(shape).__name__


def _type_matches(value: object, shape: type) -> bool:
    if shape is int:  # JSON: a bool is not a number, a float with a fraction is not an int
        return isinstance(value, int) and not isinstance(value, bool)
    if shape is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, shape)


def mismatches(value: object, shape: object, path: str = "$") -> list[str]:
    """Every place where `value` is not of `shape`, as `path: what was expected`."""
    if isinstance(shape, Checker):
        return [] if shape.accepts(value) else [f"{path}: {shape.name}, got {value!r:.80}"]
    if isinstance(shape, type):
        return ([] if _type_matches(value, shape)
                else [f"{path}: {shape.__name__}, got {value!r:.80}"])
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{path}: a list, got {value!r:.80}"]
        return [problem for index, item in enumerate(value)
                for problem in mismatches(item, shape[0], f"{path}[{index}]")]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{path}: an object, got {value!r:.80}"]
        problems = []
        for key, inner in shape.items():
            name = key.key if isinstance(key, optional) else key
            if name not in value:
                if not isinstance(key, optional):
                    problems.append(f"{path}.{name}: missing")
                continue
            problems += mismatches(value[name], inner, f"{path}.{name}")
        return problems
    raise TypeError(f"not a shape: {shape!r}")


def assert_shape(value: object, shape: object, what: str) -> None:
    problems = mismatches(value, shape)
    assert not problems, f"{what}:\n  " + "\n  ".join(problems)
