"""Request bodies: decode Content-Encoding incrementally, capping sizes as bytes arrive.

`BodyReader` takes the body chunk by chunk as the ASGI server delivers it. It counts the bytes as
received against one cap and the decoded bytes against another, and every decoder produces its
output in bounded steps. A decompression bomb therefore stops at the cap; it is never expanded in
full. Limits follow Relay: 20 MiB as received, 100 MiB decoded (settings override).
"""

import zlib
from collections.abc import Iterator
from typing import Any

import brotli
import zstandard

from errortrack.compat.errors import PayloadTooLarge, RequestRejected

STEP_BYTES = 256 * 1024  # the most any decoder produces per call
# zstandard cannot bound one call's output, so it gets small input slices instead: one slice
# expands to well under 1 MiB (384 KiB measured on a run of zeros; no SDK sends zstd by default).
ZSTD_INPUT_SLICE_BYTES = 64
IGNORED_ENCODINGS = {"", "identity", "utf-8"}  # sentry-ruby 5 sends "", old Android "UTF-8"


class BodyError(RequestRejected):
    """The body cannot be read."""


class BodyTooLarge(BodyError, PayloadTooLarge):
    pass


class UnsupportedEncoding(BodyError):
    status = 415


class _Identity:
    def decode(self, chunk: bytes) -> Iterator[bytes]:
        yield chunk

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (possibly several members) and deflate (zlib-wrapped, or raw as some clients send)."""

    def __init__(self, gzip: bool) -> None:
        self.gzip = gzip
        self.obj: Any = None  # a zlib decompressobj once the first bytes tell which kind
        self.pending = b""
        self.done = False

    def _start(self, head: bytes) -> None:
        if self.gzip:
            wbits = 16 + zlib.MAX_WBITS
        elif len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
            wbits = zlib.MAX_WBITS  # RFC 1950 zlib header
        else:
            wbits = -zlib.MAX_WBITS  # raw RFC 1951 deflate
        self.obj = zlib.decompressobj(wbits)

    def decode(self, chunk: bytes) -> Iterator[bytes]:
        data = self.pending + chunk
        self.pending = b""
        while data and not self.done:
            if self.obj is None:
                if len(data) < 2 and not self.gzip:
                    self.pending = data  # need two bytes to tell zlib from raw deflate
                    return
                self._start(data)
            try:
                out = self.obj.decompress(data, STEP_BYTES)
            except zlib.error as exc:
                raise BodyError(f"invalid {'gzip' if self.gzip else 'deflate'} body: "
                                f"{exc}") from None
            if out:
                yield out
            data = self.obj.unconsumed_tail
            if self.obj.eof:
                data = self.obj.unused_data
                if self.gzip and data[:2] == b"\x1f\x8b":
                    self.obj = None  # another gzip member follows
                else:
                    self.done = True  # trailing bytes after the stream are ignored

    def finish(self) -> Iterator[bytes]:
        if self.pending:
            yield from self._flush_pending()
        if self.obj is None and not self.done:
            raise BodyError("empty compressed body")
        if not self.done:
            raise BodyError(f"truncated {'gzip' if self.gzip else 'deflate'} body")

    def _flush_pending(self) -> Iterator[bytes]:
        data, self.pending = self.pending, b""
        self._start(data)
        yield from self.decode(data)


class _Brotli:
    def __init__(self) -> None:
        self.obj = brotli.Decompressor()

    def decode(self, chunk: bytes) -> Iterator[bytes]:
        try:
            out = self.obj.process(chunk, output_buffer_limit=STEP_BYTES)
            while True:
                if out:
                    yield out
                if self.obj.can_accept_more_data():
                    return
                out = self.obj.process(b"", output_buffer_limit=STEP_BYTES)
        except brotli.error as exc:
            raise BodyError(f"invalid br body: {exc}") from None

    def finish(self) -> Iterator[bytes]:
        if not self.obj.is_finished():
            raise BodyError("truncated br body")
        return iter(())


class _Zstd:
    def __init__(self) -> None:
        self.obj = zstandard.ZstdDecompressor().decompressobj()
        self.seen_input = False

    def decode(self, chunk: bytes) -> Iterator[bytes]:
        self.seen_input = self.seen_input or bool(chunk)
        view = memoryview(chunk)
        for start in range(0, len(view), ZSTD_INPUT_SLICE_BYTES):
            if self.obj.eof:
                return
            try:
                out = self.obj.decompress(view[start:start + ZSTD_INPUT_SLICE_BYTES])
            except zstandard.ZstdError as exc:
                raise BodyError(f"invalid zstd body: {exc}") from None
            if out:
                yield out

    def finish(self) -> Iterator[bytes]:
        if not self.obj.eof:
            raise BodyError("truncated zstd body" if self.seen_input else "empty zstd body")
        return iter(())


def make_decoder(content_encoding: str) -> _Identity | _Zlib | _Brotli | _Zstd:
    encoding = content_encoding.strip().lower()
    if encoding in IGNORED_ENCODINGS:
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if encoding == "deflate":
        return _Zlib(gzip=False)
    if encoding == "br":
        return _Brotli()
    if encoding == "zstd":
        return _Zstd()
    raise UnsupportedEncoding(f"unsupported Content-Encoding {content_encoding[:40]!r}; "
                              "use gzip, deflate, br, zstd or none")


class BodyReader:
    """Feed raw chunks; get the decoded body, or BodyError as soon as a cap is passed."""

    def __init__(self, content_encoding: str, max_received_bytes: int,
                 max_decoded_bytes: int) -> None:
        self.decoder = make_decoder(content_encoding)
        self.max_received = max_received_bytes
        self.max_decoded = max_decoded_bytes
        self.received = 0
        self.parts: list[bytes] = []
        self.decoded = 0

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.max_received:
            raise BodyTooLarge(f"body larger than {self.max_received} bytes as sent")
        self._keep(self.decoder.decode(chunk))

    def finish(self) -> bytes:
        self._keep(self.decoder.finish())
        return b"".join(self.parts)

    def _keep(self, outputs: Iterator[bytes]) -> None:
        for out in outputs:
            self.decoded += len(out)
            if self.decoded > self.max_decoded:
                raise BodyTooLarge(f"body larger than {self.max_decoded} bytes decompressed")
            self.parts.append(out)
