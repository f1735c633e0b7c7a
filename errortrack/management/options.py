"""Typed reads of a management command's options.

Django hands `handle()` its options as one untyped mapping; argparse (the types and defaults in
each command's `add_arguments`) decides what each holds. These readers give the type checker
that type, and name the option should a command's parser and its `handle()` ever disagree.
"""

from collections.abc import Mapping

from django.core.management.base import CommandError


def _mismatch(name: str, wanted: str, value: object) -> CommandError:
    return CommandError(f"Option {name!r} should be {wanted}, not {type(value).__name__}.")


def text(options: Mapping[str, object], name: str) -> str:
    value = options[name]
    if not isinstance(value, str):
        raise _mismatch(name, "text", value)
    return value


def optional_text(options: Mapping[str, object], name: str) -> str | None:
    value = options[name]
    if value is None:
        return None
    return text(options, name)


def number(options: Mapping[str, object], name: str) -> int:
    value = options[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise _mismatch(name, "a whole number", value)
    return value


def flag(options: Mapping[str, object], name: str) -> bool:
    """A switch (`store_true`); as Django's own commands read theirs, by truth value, so
    `call_command(..., json=1)` still counts as set."""
    return bool(options[name])
