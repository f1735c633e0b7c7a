"""Body decoding with caps: every encoding SDKs send, in any chunking; bombs stop at the cap."""

import gzip
import zlib

import brotli
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from errortrack.ingest.streams import (
    BodyError,
    BodyReader,
    BodyTooLarge,
    UnsupportedEncoding,
)

PAYLOAD = b'{"type":"event"}\n' + bytes(range(256)) * 40 + b"tail"
MiB = 1024 * 1024


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": lambda d: brotli.compress(d, quality=4),
    "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
    "": lambda d: d,
    "UTF-8": lambda d: d,
    "identity": lambda d: d,
}


def read(body: bytes, encoding: str, chunk: int = 1000, max_received: int = 20 * MiB,
         max_decoded: int = 100 * MiB) -> bytes:
    reader = BodyReader(encoding, max_received, max_decoded)
    for start in range(0, len(body), chunk):
        reader.feed(body[start:start + chunk])
    return reader.finish()


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
@pytest.mark.parametrize("chunk", [1, 7, 4096, 10**9])
def test_each_encoding_decodes_in_any_chunking(encoding, chunk):
    assert read(ENCODERS[encoding](PAYLOAD), encoding, chunk) == PAYLOAD


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), chunk=st.integers(1, 600),
       encoding=st.sampled_from(["gzip", "deflate", "br", "zstd"]))
def test_decoding_round_trips_for_any_bytes(data, chunk, encoding):
    assert read(ENCODERS[encoding](data), encoding, chunk) == data


def test_raw_deflate_is_accepted_too():
    assert read(raw_deflate(PAYLOAD), "deflate", 3) == PAYLOAD


def test_several_gzip_members_are_concatenated():
    assert read(gzip.compress(b"abc") + gzip.compress(b"def"), "gzip", 5) == b"abcdef"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_a_decompression_bomb_stops_at_the_cap(encoding):
    bomb = ENCODERS[encoding](bytes(64 * MiB))
    assert len(bomb) < MiB
    reader = BodyReader(encoding, 20 * MiB, MiB)
    with pytest.raises(BodyTooLarge, match="decompressed"):
        for start in range(0, len(bomb), 64 * 1024):
            reader.feed(bomb[start:start + 64 * 1024])
        reader.finish()
    # It stopped within one decoding step of the cap instead of expanding 64 MiB.
    assert reader.decoded <= 2 * MiB
    assert reader.decoded < 64 * MiB


def test_the_cap_on_bytes_as_sent_is_checked_per_chunk():
    reader = BodyReader("", max_received_bytes=10, max_decoded_bytes=100)
    reader.feed(b"x" * 10)
    with pytest.raises(BodyTooLarge, match="as sent"):
        reader.feed(b"y")


def test_a_body_exactly_at_the_caps_is_accepted():
    assert read(b"z" * 100, "", max_received=100, max_decoded=100) == b"z" * 100


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_a_truncated_stream_is_a_400(encoding):
    body = ENCODERS[encoding](PAYLOAD)
    with pytest.raises(BodyError) as caught:
        read(body[:len(body) // 2], encoding)
    assert caught.value.status == 400


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_garbage_is_a_400_not_a_crash(encoding):
    with pytest.raises(BodyError) as caught:
        read(b"this is not compressed at all, really" * 10, encoding)
    assert caught.value.status == 400 and encoding.split("-")[-1] in caught.value.detail


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_an_empty_compressed_body_is_a_400(encoding):
    with pytest.raises(BodyError):
        read(b"", encoding)


def test_an_unknown_encoding_is_415_naming_what_works():
    with pytest.raises(UnsupportedEncoding) as caught:
        BodyReader("compress", MiB, MiB)
    assert caught.value.status == 415 and "gzip" in caught.value.detail

