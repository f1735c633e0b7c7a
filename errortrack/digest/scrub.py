"""Scrub: secrets out of a normalized event, before anything of it is stored.

What is filtered (replaced by `[Filtered]`), following Sentry's server-side data scrubber:
- values under keys that contain a sensitive word (password, secret, token, auth, cookie, …,
  plus the project's own `sensitive_fields`), anywhere: request headers, cookies, query and data,
  frame variables, extra (and `extra.environ`), contexts, breadcrumb data, tags, user. Scalars and
  lists are replaced; objects keep their shape and have every value inside filtered;
- substrings of any string that are credit card numbers (Relay's card-prefix pattern plus a Luhn
  check, so timestamps and ids survive), PEM private keys, or `user:password@` in URLs;
- with `scrub_ip_addresses`, the user's and the request's IP addresses.
Keys named in the project's `safe_fields` are left alone.

Most events hold nothing to filter, so the event is first serialized once and searched as a
whole; only when a sensitive word or pattern occurs anywhere is it walked value by value.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

FILTERED = "[Filtered]"
DEFAULT_SENSITIVE_KEYS = (
    "password", "passwd", "secret", "api_key", "apikey", "access_token", "auth",
    "credentials", "mysql_pwd", "privatekey", "private_key", "token", "session", "cookie",
    "csrf", "xsrf", "set_cookie", "authorization", "stripetoken", "bearer",
)
IP_HEADERS = {"x-forwarded-for", "x-real-ip", "forwarded", "true-client-ip", "cf-connecting-ip"}

CARD = re.compile(r"\b((?:3[47]\d|4\d{3}|5[1-5]\d\d|65\d\d|6011)(?:[- \t\r\n]?\d){12})\b",
                  re.ASCII)
PEM = re.compile(r"-----BEGIN[A-Z ]*PRIVATE KEY-----(?:.*?-----END[A-Z ]*PRIVATE KEY-----|.*)",
                 re.DOTALL)
URL_AUTH = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]*@")
# Finding candidates in the whole serialized event: digits become 0 and the separators a card
# number may hold vanish, so any card shows as a run of 15 zeros; the other patterns start with
# a literal. Both only say "look closer": the precise patterns above decide.
# (In the JSON a tab or newline separator is escaped: `\t`, `\n`; its letters vanish too.)
DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0000000000")
CARD_SEPARATORS = b" -\t\r\n\\tnr"
CARD_CANDIDATE = b"0" * 15
URL_WITH_USER = re.compile(rb"://[^/\s@]*@")
# Free-form data, where keys are the SDK's or the application's (everything else is our shape).
EXCLUDED_FROM_SCRUBBING = ("debug_meta", "sdk", "modules")


def luhn_valid(digits: str) -> bool:
    total, double = 0, False
    for char in reversed(digits):
        n = int(char)
        if double:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
        double = not double
    return total % 10 == 0


def _filter_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(1))
    return FILTERED if luhn_valid(digits) else match.group(0)


def scrub_text(text: str) -> str:
    """`text` with card numbers, private keys and URL passwords replaced."""
    if CARD.search(text):
        text = CARD.sub(_filter_card, text)
    if "PRIVATE KEY-----" in text:
        text = PEM.sub(FILTERED, text)
    if "@" in text and "://" in text:
        text = URL_AUTH.sub(lambda m: f"{m.group(1)}{FILTERED}@", text)
    return text


def _words_pattern(words: list[str]) -> re.Pattern:
    """Key words as one case-insensitive pattern; `_` also matches `-` (X-Api-Key)."""
    return re.compile("|".join(re.escape(word).replace("_", "[-_]") for word in words), re.I)


@dataclass(eq=False)
class ScrubConfig:
    """A project's scrubbing settings, compiled."""

    defaults: bool = True
    sensitive_fields: tuple[str, ...] = ()
    safe_fields: frozenset[str] = frozenset()
    scrub_ip_addresses: bool = False
    _key_cache: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.extra_words = [w.strip().lower().replace("-", "_") for w in self.sensitive_fields
                            if w.strip()]
        words = [*(DEFAULT_SENSITIVE_KEYS if self.defaults else ()), *self.extra_words]
        self.words_pattern = _words_pattern(words) if words else None
        self.extra_pattern = _words_pattern(self.extra_words) if self.extra_words else None

    def key_is_sensitive(self, key: str) -> bool:
        cached = self._key_cache.get(key)
        if cached is None:
            lowered = key.lower()
            cached = (lowered not in self.safe_fields and self.words_pattern is not None
                      and self.words_pattern.search(lowered) is not None)
            if len(self._key_cache) > 50_000:
                self._key_cache.clear()
            self._key_cache[key] = cached
        return cached


_configs: dict[tuple, ScrubConfig] = {}


def config_for(defaults: bool, sensitive_fields: list, safe_fields: list,
               scrub_ip_addresses: bool) -> ScrubConfig:
    """The compiled config for these settings, shared (with its key cache) between events."""
    key = (defaults, tuple(str(f) for f in sensitive_fields or ()),
           frozenset(str(f).strip().lower() for f in safe_fields or ()), scrub_ip_addresses)
    if key not in _configs:
        if len(_configs) > 1000:
            _configs.clear()
        _configs[key] = ScrubConfig(*key)
    return _configs[key]


class _Walker:
    """Filters in place; `changed` says whether anything was."""

    def __init__(self, config: ScrubConfig, values: bool) -> None:
        self.config, self.values = config, values
        self.extra = config.extra_pattern if values else None
        self.changed = False

    def text(self, text: str) -> str:
        if self.extra is not None and self.extra.search(text):
            self.changed = True
            return FILTERED
        if not self.values:
            return text
        scrubbed = scrub_text(text)
        self.changed = self.changed or scrubbed is not text
        return scrubbed

    def scalar(self, value: Any, sensitive: bool) -> Any:
        if sensitive and value not in (None, "", FILTERED) and not isinstance(value, bool):
            self.changed = True
            return FILTERED
        if isinstance(value, str):
            return self.text(value)
        if self.values and isinstance(value, int) and not isinstance(value, bool) \
                and value >= 10**14 and CARD.search(str(value)):
            return self.text(str(value))
        return value

    def entry(self, key: Any, value: Any, inherited: bool) -> Any:
        if isinstance(key, str) and key.lower() in self.config.safe_fields:
            return value
        sensitive = inherited or (isinstance(key, str) and self.config.key_is_sensitive(key))
        if isinstance(value, dict):
            self.walk_dict(value, sensitive)
            return value
        if isinstance(value, list):
            if sensitive and value and not any(isinstance(v, dict | list) for v in value):
                self.changed = True
                return FILTERED
            self.walk_list(value, sensitive)
            return value
        return self.scalar(value, sensitive)

    def walk_dict(self, data: dict, inherited: bool) -> None:
        for key, value in data.items():
            data[key] = self.entry(key, value, inherited)

    def walk_list(self, data: list, inherited: bool) -> None:
        if is_pairs(data):
            for pair in data:
                pair[1] = self.entry(pair[0], pair[1], inherited)
            return
        for index, value in enumerate(data):
            if isinstance(value, dict):
                self.walk_dict(value, inherited)
            elif isinstance(value, list):
                self.walk_list(value, inherited)
            else:
                data[index] = self.scalar(value, inherited)

    def walk_bags(self, event: dict) -> None:
        """Only the free-form parts, where keys are the application's."""
        for name in ("extra", "contexts", "user", "tags"):
            if name in event:
                event[name] = self.entry(name, event[name], False)
        request = event.get("request") or {}
        for name in ("headers", "cookies", "query_string", "data", "env"):
            if name in request:
                request[name] = self.entry(name, request[name], False)
        for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
            if "data" in crumb:
                self.walk_dict(crumb["data"], False)
        logentry = event.get("logentry") or {}
        if "params" in logentry:
            logentry["params"] = self.entry("params", logentry["params"], False)
        for container in ((event.get("exception") or {}).get("values") or []) + (
                (event.get("threads") or {}).get("values") or []):
            mechanism = container.get("mechanism") or {}
            for name in ("data", "meta"):
                if isinstance(mechanism.get(name), dict):
                    self.walk_dict(mechanism[name], False)
            for frame in (container.get("stacktrace") or {}).get("frames") or []:
                for name in ("vars", "data"):
                    if name in frame:
                        self.walk_dict(frame[name], False)


def is_pairs(data: list) -> bool:
    """Headers, cookies, query strings and tags: a list of [name, value] pairs."""
    return bool(data) and all(isinstance(item, list) and len(item) == 2
                              and isinstance(item[0], str) for item in data)


def scrub_ip_addresses(event: dict) -> None:
    user = event.get("user")
    if isinstance(user, dict):
        user.pop("ip_address", None)
    request = event.get("request") or {}
    if isinstance(request.get("env"), dict):
        request["env"].pop("REMOTE_ADDR", None)
    for pair in request.get("headers") or []:
        if pair[0].lower() in IP_HEADERS:
            pair[1] = FILTERED
    if isinstance(event.get("sdk"), dict):
        event["sdk"].pop("client_ip", None)
    event["tags"] = [tag for tag in event.get("tags") or []
                     if not (tag[0] == "user" and tag[1].startswith("ip:"))]


def may_hold_secret_values(document: bytes, config: ScrubConfig) -> bool:
    """Whether any string of the serialized event might match a value pattern."""
    if config.defaults and (
            CARD_CANDIDATE in document.translate(DIGITS_TO_ZERO, CARD_SEPARATORS)
            or b"PRIVATE KEY-----" in document
            or URL_WITH_USER.search(document) is not None):
        return True
    if config.extra_words:
        lowered = document.decode().lower().replace("-", "_")
        return any(word in lowered for word in config.extra_words)
    return False


def scrub(event: dict, config: ScrubConfig) -> bytes:
    """Scrub `event` in place; return its JSON, serialized once unless something changed.

    Keys are checked in the free-form parts of the event; value patterns are looked for in
    every string, but only when the serialized event holds a candidate for one. debug_meta,
    sdk and modules are left alone: debug ids, addresses and package versions, no user data.
    """
    if config.scrub_ip_addresses:
        scrub_ip_addresses(event)
    document = orjson.dumps(event)
    if config.words_pattern is None:
        return document
    walker = _Walker(config, values=may_hold_secret_values(document, config))
    if walker.values:
        kept = {name: event.pop(name) for name in EXCLUDED_FROM_SCRUBBING if name in event}
        walker.walk_dict(event, False)
        event.update(kept)
    else:
        walker.walk_bags(event)
    return orjson.dumps(event) if walker.changed else document
