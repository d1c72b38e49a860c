"""The offline tokenizer that sizes synthetic prompts and counts prompts and replies.

``--tokenizer`` names either an encoding ``bpe-openai`` embeds (``cl100k_base``,
``o200k_base``; tiktoken would download its tables) or a Hugging Face ``tokenizer.json`` file,
read with the ``tokenizers`` library, so a Llama, Qwen or DeepSeek deployment is counted with its
own vocabulary. Nothing is downloaded either way; the file is the user's, none ships here.
"""

from __future__ import annotations

import random
import warnings
from functools import cache
from pathlib import Path
from typing import Any, Final

ENCODINGS: Final = ("cl100k_base", "o200k_base")
DEFAULT_ENCODING: Final = "cl100k_base"
_WORDS_TEXT: Final = (
    "time person year way day thing man world life hand part child eye woman place work week "
    "case point government company number group problem fact be have do say get make go know "
    "take see come think look want give use find tell ask seem feel try leave call good new "
    "first last long great little own other old right big high different small large next "
    "early young important few public bad same able river city light north market quiet "
    "answer model route channel signal bright harbor garden stone paper window morning evening "
    "simple clear careful steady open library bridge mountain valley summer winter letter "
    "table music history science travel network latency token stream balance request reply"
)
_WORDS: Final = tuple(_WORDS_TEXT.split())
_POOL_MARGIN: Final = 4096


class WorkloadError(ValueError):
    """A bad workload option or dataset file; the message is one line."""


def check_tokenizer(encoding: str, read: bool = False) -> None:
    """An embedded encoding's name, or a file (``read``: that the library reads as one)."""
    if encoding in ENCODINGS:
        return
    if Path(encoding).is_file():
        if read:
            _load(encoding)
        return
    raise WorkloadError(
        f"--tokenizer: {encoding!r} is neither {' nor '.join(ENCODINGS)} nor a tokenizer.json file"
    )


def _load(encoding: str) -> tuple[Any, Any]:
    """(encode ordinary text to ids, decode ids) of the encoding or tokenizer.json file."""
    check_tokenizer(encoding)
    if encoding in ENCODINGS:
        with warnings.catch_warnings():  # its table loader uses a deprecated importlib call
            warnings.simplefilter("ignore", DeprecationWarning)
            import bpe_openai

            table = bpe_openai.get_encoding(encoding)
        return table.encode_ordinary, table.decode
    from tokenizers import Tokenizer as HuggingFaceTokenizer

    try:
        model = HuggingFaceTokenizer.from_file(encoding)
    except Exception as error:  # the library raises its own Exception for a malformed file
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WorkloadError(f"--tokenizer: {encoding} is not a tokenizer.json: {first}") from None

    def encode(text: str) -> list[int]:
        return model.encode(text, add_special_tokens=False).ids

    return encode, model.decode


class Tokenizer:
    """An offline tokenizer (see module docstring); its name goes into the summary."""

    def __init__(self, encoding: str = DEFAULT_ENCODING) -> None:
        self._encode, self._decode = _load(encoding)
        self._encode("warm up")  # loads the tables now
        self.name = tokenizer_name(encoding)
        self._pool: list[int] = []
        self._pool_rng = random.Random(0)

    def count(self, text: str) -> int:
        return len(self._encode(text)) if text else 0

    def count_messages(self, messages: list[dict[str, Any]]) -> int:
        """Tokens of every message's text content (no chat-template framing: that is the
        server's, and the gap to its ``usage.prompt_tokens`` is reported)."""
        return sum(self.count(content_text(message.get("content"))) for message in messages)

    def text_of_length(self, tokens: int, rng: random.Random) -> str:
        """Text of ``tokens`` tokens: a slice of a random word pool, decoded."""
        self._grow_pool(tokens + _POOL_MARGIN)
        start = rng.randrange(len(self._pool) - tokens)
        return self._decode(self._pool[start : start + tokens]).strip()

    def _grow_pool(self, size: int) -> None:
        while len(self._pool) < size:
            words = " ".join(self._pool_rng.choice(_WORDS) for _ in range(size))
            self._pool.extend(self._encode(" " + words))


def tokenizer_name(encoding: str) -> str:
    """How the summary names the tokenizer (without loading it): the library and the encoding,
    or the file with its folder (``tokenizers Qwen2.5-7B/tokenizer.json``)."""
    if encoding in ENCODINGS:
        return f"bpe-openai {encoding}"
    path = Path(encoding)
    return f"tokenizers {path.parent.name}/{path.name}" if path.parent.name else path.name


@cache
def tokenizer(encoding: str = DEFAULT_ENCODING) -> Tokenizer:
    """One tokenizer per process and encoding (loading one takes about a second)."""
    return Tokenizer(encoding)


def content_text(content: Any) -> str:
    """A message's text: the string, or the text parts of a multi-part message."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""
