"""The strict SSE parser follows the WHATWG event-stream rules under any chunking."""

from __future__ import annotations

import pytest

from routify_suite.sse import DONE, SSEParser, parse_stream

CANONICAL = b'data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n'
EXPECTED = ['{"n":1}', '{"n":2}', DONE]

LEGAL_VARIANTS = {
    "no space after colon": b'data:{"n":1}\n\ndata:{"n":2}\n\ndata:[DONE]\n\n',
    "CRLF line ends": CANONICAL.replace(b"\n", b"\r\n"),
    "CR line ends": CANONICAL.replace(b"\n", b"\r"),
    "comment lines": b': keep-alive\n\ndata: {"n":1}\n\n:x\ndata: {"n":2}\n\ndata: [DONE]\n\n',
    "byte order mark": b"\xef\xbb\xbf" + CANONICAL,
    "event and id fields": b'id: 1\nevent: message\ndata: {"n":1}\n\nid: 2\ndata: {"n":2}\n\n'
    b"data: [DONE]\n\n",
    "extra blank lines": b'\n\ndata: {"n":1}\n\n\n\ndata: {"n":2}\n\ndata: [DONE]\n\n',
}


def chunkings(stream: bytes) -> list[list[bytes]]:
    sizes = [1, 2, 3, 7, len(stream)]
    return [[stream[i : i + size] for i in range(0, len(stream), size)] for size in sizes]


@pytest.mark.parametrize("name", sorted(LEGAL_VARIANTS))
def test_legal_variants_parse_identically_under_any_chunking(name: str) -> None:
    for chunks in chunkings(LEGAL_VARIANTS[name]):
        parsed = parse_stream(chunks)
        assert [event.data for event in parsed.events] == EXPECTED
        assert parsed.violations == []


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    parsed = parse_stream([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"])
    assert [event.data for event in parsed.events] == ["a", "b"]
    assert parsed.stats.crlf_line_ends == 4
    assert parsed.stats.cr_line_ends == 0


def test_only_one_leading_space_is_removed() -> None:
    [event] = parse_stream(b"data:  two spaces\n\n").events
    assert event.data == " two spaces"


def test_multi_line_data_joins_with_newline() -> None:
    [event] = parse_stream(b'data: {"a":\ndata: 1}\n\n').events
    assert event.data == '{"a":\n1}'


def test_field_without_colon_and_unknown_fields() -> None:
    parsed = parse_stream(b"data\n\nfoo: bar\ndata: x\n\n")
    assert [event.data for event in parsed.events] == ["", "x"]
    assert parsed.stats.unknown_fields == ["foo"]


def test_event_without_data_is_not_dispatched() -> None:
    parsed = parse_stream(b"event: ping\n\ndata: x\n\n")
    assert [(event.event, event.data) for event in parsed.events] == [("message", "x")]


def test_event_type_and_retry_and_id() -> None:
    [event] = parse_stream(b"event: delta\nid: 7\nretry: 250\ndata: x\n\n").events
    assert (event.event, event.id, event.retry) == ("delta", "7", 250)


def test_id_with_nul_is_ignored() -> None:
    [event] = parse_stream(b"id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\n").events[1:]
    assert event.id == "1"


def test_unterminated_last_event_is_discarded_and_flagged() -> None:
    parsed = parse_stream(b"data: a\n\ndata: [DONE]\n")
    assert [event.data for event in parsed.events] == ["a"]
    [violation] = parsed.violations
    assert "blank line" in violation.message


def test_partial_line_at_end_is_flagged() -> None:
    parsed = parse_stream(b"data: a\n\ndata: [DO")
    assert [event.data for event in parsed.events] == ["a"]
    [violation] = parsed.violations
    assert "inside a line" in violation.message
    assert violation.offset == 9


def test_invalid_utf8_is_flagged_with_offset() -> None:
    parsed = parse_stream(b"data: ok\n\ndata: \xff\n\n")
    assert len(parsed.events) == 2
    [violation] = parsed.violations
    assert violation.offset == 16
    assert "UTF-8" in violation.message


def test_utf8_character_split_across_chunks() -> None:
    data = "data: café ☕\n\n".encode()
    parsed = parse_stream([data[i : i + 1] for i in range(len(data))])
    assert [event.data for event in parsed.events] == ["café ☕"]
    assert parsed.violations == []


def test_events_carry_the_arrival_time_of_their_dispatching_bytes() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n", at=1.0) == []
    [first] = parser.feed(b"\ndata: b", at=2.0)
    [second] = parser.feed(b"\n\n", at=3.5)
    assert (first.data, first.received_at) == ("a", 1.0 + 1.0)
    assert (second.data, second.received_at) == ("b", 3.5)


def test_feed_after_close_is_an_error() -> None:
    parser = SSEParser()
    parser.close()
    with pytest.raises(RuntimeError):
        parser.feed(b"data: x\n\n")
