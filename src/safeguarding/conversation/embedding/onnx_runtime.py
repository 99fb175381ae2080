"""all-MiniLM-L6-v2 on onnxruntime: the graph from `onnx_graph`, its matrix products
quantised to int8 (per output channel) unless float32 is asked for.

int8 runs about 2x faster than float32 on this kind of CPU and keeps cosine similarity
to the float32 embeddings at about 0.99; the detector thresholds are set on the int8
model (docs/conversation.md)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.conversation.embedding.base import Vectors
from safeguarding.conversation.embedding.minilm import (
    F32,
    embed_in_batches,
    load_tokenizer,
    pad,
)
from safeguarding.errors import MissingDependencyError


class MiniLMOnnx:
    dimension = 384

    def __init__(self, model_dir: Path, *, quantize: bool = True, threads: int = 0,
                 max_tokens: int = 64, batch_tokens: int = 2048) -> None:
        try:
            import onnx
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingDependencyError("onnxruntime", "model", "The embedding model") from exc
        from safeguarding.conversation.embedding.onnx_graph import build_model

        self.name = "all-MiniLM-L6-v2/onnx-" + ("int8" if quantize else "float32")
        self.max_tokens = max_tokens
        self.batch_tokens = batch_tokens
        self.tokenize = load_tokenizer(model_dir, max_tokens)
        model = build_model(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        with tempfile.TemporaryDirectory(prefix="safeguarding-model-") as tmp:
            path = Path(tmp) / "minilm.onnx"
            onnx.save(model, str(path))
            if quantize:
                path = _quantize(path)
            self.session = ort.InferenceSession(str(path), options,
                                                providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> Vectors:
        return embed_in_batches(self.tokenize(texts), self.forward, self.batch_tokens,
                                self.dimension)

    def forward(self, batch: list[list[int]]) -> F32:
        ids, mask = pad(batch)
        out: Any = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(out, dtype=np.float32)


def _quantize(path: Path) -> Path:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_name("minilm-int8.onnx")
    # The quantiser logs advice about pre-processing that does not apply to this graph.
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))
    quantize_dynamic(path, out, weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return out
