"""A tiny llama-architecture GGUF model with random weights, written with the ``gguf`` package.

Enough for llama.cpp's server to load it and generate (nonsense) text at once on a CPU: two
layers, 64-wide, a SentencePiece vocabulary of the 256 byte tokens plus ASCII pieces (so any
prompt tokenizes), a plain-text chat template. Seeded, so the same file comes out every time.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Final

import numpy as np

EMBED: Final = 64
HEADS: Final = 4
FEED_FORWARD: Final = 128
LAYERS: Final = 2
CONTEXT: Final = 2048
SEED: Final = 20260101
CHAT_TEMPLATE: Final = (
    "{% if tools %}{{ 'tools: ' + (tools | tojson) + '\\n' }}{% endif %}"
    "{% for message in messages %}{{ message['role'] + ': ' + (message['content'] or '') + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}"
)
"""Plain-text turns: no special tokens in the prompt, so the server's grammars (JSON mode,
tools), which replay the generation prompt, see only ordinary text."""


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    import gguf

    tokens = ["<unk>", "<s>", "</s>"]
    types = [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * 2
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    # Every printable ASCII character is a piece of its own: a grammar (JSON mode, tools) needs
    # tokens for {, " and the like, not only the byte fallback.
    pieces = ["▁", *string.ascii_letters, *string.digits, *string.punctuation, "\n"]
    pieces += ["▁" + word for word in ("the", "a", "of", "Paris", "is", "capital", "France")]
    tokens += pieces
    types += [gguf.TokenType.NORMAL] * len(pieces)
    scores = [0.0] * (len(tokens) - len(pieces)) + [-float(i) for i in range(len(pieces))]
    return tokens, scores, [int(t) for t in types]


def write_tiny_model(path: Path) -> Path:
    """Write the model to ``path`` (replacing any older one) and return the path."""
    import gguf

    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    tokens, scores, types = _vocabulary()
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("routify-suite tiny random llama")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(EMBED)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(EMBED // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_space_prefix(False)  # the prompt's text as it is: grammars replay it
    writer.add_chat_template(CHAT_TEMPLATE)

    def weights(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    ones = np.ones(EMBED, dtype=np.float32)
    writer.add_tensor("token_embd.weight", weights(len(tokens), EMBED))
    for layer in range(LAYERS):
        name = f"blk.{layer}."
        writer.add_tensor(name + "attn_norm.weight", ones)
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{name}{part}.weight", weights(EMBED, EMBED))
        writer.add_tensor(name + "ffn_norm.weight", ones)
        writer.add_tensor(name + "ffn_gate.weight", weights(FEED_FORWARD, EMBED))
        writer.add_tensor(name + "ffn_up.weight", weights(FEED_FORWARD, EMBED))
        writer.add_tensor(name + "ffn_down.weight", weights(EMBED, FEED_FORWARD))
    writer.add_tensor("output_norm.weight", ones)
    writer.add_tensor("output.weight", weights(len(tokens), EMBED))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
