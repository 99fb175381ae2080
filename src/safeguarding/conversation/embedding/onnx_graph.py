"""Writes all-MiniLM-L6-v2 as an ONNX graph straight from the safetensors weights.

No torch export: the BERT encoder is a dozen standard operators a layer, built here with
onnx.helper, then (optionally) its matrix products quantised to int8 by onnxruntime's
dynamic quantiser. The graph computes exactly what `MiniLMNumpy.forward` does; the tests
hold the two to the same embeddings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 17


def build_model(model_dir: Path) -> Any:
    """The float32 model (an onnx.ModelProto): inputs input_ids [N, L] int64 and
    attention_mask [N, L] int32; output `embedding` [N, 384], L2-normalised.

    Built from onnxruntime's fused transformer kernels (com.microsoft EmbedLayerNormalization,
    Attention, SkipLayerNormalization, BiasGelu), the same ones its BERT optimiser would
    produce from a torch export, at about twice the speed of the plain-operator graph."""
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    heads = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    eps = float(config["layer_norm_eps"])
    w = {k.removeprefix("bert."): v.astype(np.float32)
         for k, v in load_file(str(model_dir / "model.safetensors")).items()}

    inits: list[Any] = []
    nodes: list[Any] = []
    counter = iter(range(1_000_000))

    def const(name: str, value: np.ndarray[Any, Any]) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], outputs: int = 1, domain: str = "", **attrs: Any
             ) -> list[str]:
        outs = [f"{op.lower()}_{next(counter)}" for _ in range(outputs)]
        nodes.append(helper.make_node(op, inputs, outs, domain=domain or None, **attrs))
        return outs

    ms = "com.microsoft"
    e = "embeddings."
    segments = node("Mul", ["input_ids", const("zero_ids", np.array(0, np.int64))])[0]
    x, mask_index = node(
        "EmbedLayerNormalization",
        [node("Cast", ["input_ids"], to=TensorProto.INT32)[0],
         node("Cast", [segments], to=TensorProto.INT32)[0],
         const("word_emb", w[e + "word_embeddings.weight"]),
         const("pos_emb", w[e + "position_embeddings.weight"]),
         const("type_emb", w[e + "token_type_embeddings.weight"]),
         const("emb_ln_w", w[e + "LayerNorm.weight"]), const("emb_ln_b", w[e + "LayerNorm.bias"]),
         "attention_mask"],
        outputs=2, domain=ms, epsilon=eps)
    del mask_index  # Attention takes the raw 0/1 mask, which also covers padded queries.
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        a = p + "attention.self."
        qkv_w = np.concatenate([w[a + n + ".weight"] for n in ("query", "key", "value")]).T
        qkv_b = np.concatenate([w[a + n + ".bias"] for n in ("query", "key", "value")])
        context = node("Attention", [x, const(p + "qkv.w", qkv_w), const(p + "qkv.b", qkv_b),
                                     "attention_mask"], domain=ms, num_heads=heads)[0]
        o = p + "attention.output."
        attn = node("MatMul", [context, const(o + "w", w[o + "dense.weight"].T)])[0]
        x = node("SkipLayerNormalization",
                 [attn, x, const(o + "ln.w", w[o + "LayerNorm.weight"]),
                  const(o + "ln.b", w[o + "LayerNorm.bias"]), const(o + "b", w[o + "dense.bias"])],
                 domain=ms, epsilon=eps)[0]
        inner = node("MatMul", [x, const(p + "fc1.w", w[p + "intermediate.dense.weight"].T)])[0]
        gelu = node("BiasGelu", [inner, const(p + "fc1.b", w[p + "intermediate.dense.bias"])],
                    domain=ms)[0]
        ffn = node("MatMul", [gelu, const(p + "fc2.w", w[p + "output.dense.weight"].T)])[0]
        x = node("SkipLayerNormalization",
                 [ffn, x, const(p + "ln.w", w[p + "output.LayerNorm.weight"]),
                  const(p + "ln.b", w[p + "output.LayerNorm.bias"]),
                  const(p + "fc2.b", w[p + "output.dense.bias"])], domain=ms, epsilon=eps)[0]

    mask3 = node("Unsqueeze", [node("Cast", ["attention_mask"], to=TensorProto.FLOAT)[0],
                               const("axis_2", np.array([2]))])[0]
    axis1 = const("axis_1", np.array([1]))
    summed = node("ReduceSum", [node("Mul", [x, mask3])[0], axis1], keepdims=0)[0]
    counts = node("ReduceSum", [mask3, axis1], keepdims=0)[0]
    pooled = node("Div", [summed, counts])[0]
    nodes.append(helper.make_node("LpNormalization", [pooled], ["embedding"], axis=-1, p=2))

    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "l"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT32, ["n", "l"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", hidden])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid(ms, 1)])
    model.ir_version = 8
    return model
