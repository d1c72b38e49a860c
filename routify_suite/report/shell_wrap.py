"""Fold a shell command into lines of at most a given width that still paste and run as one.

A reproducer (a curl command) can be longer than a CI log's 100 columns. Between words it is
broken with `` \\`` (the next line indented); a single word longer than the line (a JSON body) is
broken inside itself: outside quotes and inside double quotes a backslash-newline is removed by
the shell, inside single quotes the quote is closed, continued and reopened (``'…'\\`` then
``'…``), and those continuation lines start at column 0 so no space splits the word.
"""

from __future__ import annotations

INDENT = "    "


def _words(line: str) -> list[str]:
    """The line's words, split at whitespace outside quotes, each with its quoting intact."""
    words: list[str] = []
    current: list[str] = []
    quote = ""
    escaped = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quote != "'":
            current.append(char)
            escaped = True
        elif quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            current.append(char)
            quote = char
        elif char.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def _break_word(word: str, first: int, width: int) -> list[str]:
    """``word`` in pieces, the first at most ``first`` columns, the others at most ``width``;
    every piece but the last ends with the characters that continue it on the next line."""
    pieces: list[str] = []
    current = ""
    room = first
    quote = ""
    escaped = False
    for char in word:
        tail = "'\\" if quote == "'" else "\\"
        if len(current) + 1 + len(tail) > room and not escaped:
            pieces.append(current + tail)
            current = "'" if quote == "'" else ""
            room = width
        current += char
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote and char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
    pieces.append(current)
    return pieces


def wrap_shell(command: str, width: int = 100) -> list[str]:
    """``command`` as lines of at most ``width`` columns (a line of the input that fits, or
    already ends in a continuation, is kept as it is)."""
    out: list[str] = []
    for line in command.splitlines() or [""]:
        if len(line) <= width:
            out.append(line)
            continue
        current = ""
        for word in _words(line):
            lead = INDENT if out and not current and out[-1].endswith(" \\") else ""
            candidate = f"{current} {word}" if current else lead + word
            if len(candidate) + 2 <= width:
                current = candidate
                continue
            if current:
                out.append(current + " \\")
                current = ""
                lead = INDENT
            if len(lead + word) + 2 <= width:
                current = lead + word
                continue
            pieces = _break_word(word, width - len(lead), width)
            out.append(lead + pieces[0])
            out.extend(pieces[1:-1])
            current = pieces[-1]
        out.append(current)
    return out
