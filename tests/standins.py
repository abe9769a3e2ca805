"""Stand-in ONNX graphs with the real models' signatures, built here (never weights from a
hub). Each is made to tell something: one that returns its input, one that answers a flat
colour, one whose colour depends on the source latent; and a recognizer whose embedding
depends on the picture.

The names are the real files' (inswapper_128: inputs `target` 1x3x128x128 and `source`
1x512, output `output`, `emap` 512x512 the last initializer; arcface_w600k_r50: `input.1`
1x3x112x112 -> `683` 1x512; GFPGAN and GPEN: `input` -> `output` at 512; CodeFormer adds a
double `weight`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LATENT = 512
rng = np.random.default_rng(15)
EMAP = rng.normal(size=(LATENT, LATENT)).astype(np.float32)
"""A dense, non-orthogonal emap: a latent not projected by it gives another colour."""
COLOUR_OF_LATENT = rng.normal(size=(LATENT, 3)).astype(np.float32) * 3.0
FLAT = (0.1, 0.8, 0.3)
PROJECTION = rng.normal(size=(3 * 8 * 8, LATENT)).astype(np.float32)


def _save(path: Path, nodes: list, inputs: list, outputs: list, inits: list) -> Path:
    graph = helper.make_graph(nodes, path.stem, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _image(name: str, size: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 3, size, size])


def _work(image: str, channels: int, nodes: list, inits: list) -> str:
    """Two 3x3 convolutions `channels` wide whose sum is added back as zero: a network's
    work for timing, its answer unchanged. Returns the name of the image after it."""
    if not channels:
        return image
    w1 = rng.normal(size=(channels, 3, 3, 3)).astype(np.float32) * 0.01
    w2 = np.zeros((3, channels, 3, 3), np.float32)
    inits += [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")]
    nodes += [helper.make_node("Conv", [image, "w1"], ["h1"], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", ["h1"], ["r1"]),
              helper.make_node("Conv", ["r1", "w2"], ["h2"], pads=[1, 1, 1, 1]),
              helper.make_node("Add", [image, "h2"], ["work"])]
    return "work"


def swapper(path: Path, behaviour: str, size: int = 128, emap: bool = True,
            conv_channels: int = 0) -> Path:
    """`behaviour`: 'input' (the target back), 'flat' (FLAT everywhere) or 'latent' (a
    colour sigmoid(source @ COLOUR_OF_LATENT)). `conv_channels` > 0 adds 3x3 convolutions of
    that width on the target first (for timing: a network's work, its answer unchanged)."""
    nodes, inits = [], []
    image = _work("target", conv_channels, nodes, inits)
    if behaviour == "input":
        nodes.append(helper.make_node("Identity", [image], ["output"]))
    else:
        inits.append(numpy_helper.from_array(np.zeros((1, 3, 1, 1), np.float32), "zero"))
        nodes.append(helper.make_node("Mul", [image, "zero"], ["blank"]))
        if behaviour == "flat":
            colour = np.array(FLAT, np.float32).reshape(1, 3, 1, 1)
            inits.append(numpy_helper.from_array(colour, "colour"))
        else:
            inits += [numpy_helper.from_array(COLOUR_OF_LATENT, "w_colour"),
                      numpy_helper.from_array(np.array([1, 3, 1, 1], np.int64), "shape")]
            nodes += [helper.make_node("MatMul", ["source", "w_colour"], ["mixed"]),
                      helper.make_node("Sigmoid", ["mixed"], ["squashed"]),
                      helper.make_node("Reshape", ["squashed", "shape"], ["colour"])]
        nodes.append(helper.make_node("Add", ["blank", "colour"], ["output"]))
    if emap:
        inits.append(numpy_helper.from_array(EMAP, "emap"))  # last, as in the real file
    inputs = [_image("target", size),
              helper.make_tensor_value_info("source", TensorProto.FLOAT, [1, LATENT])]
    return _save(path, nodes, inputs, [_image("output", size)], inits)


def recognizer(path: Path) -> Path:
    """arcface_w600k_r50's signature: the 112 px face averaged over 14 px cells (8 x 8 x 3),
    projected to 512 numbers."""
    nodes = [helper.make_node("AveragePool", ["input.1"], ["cells"], kernel_shape=[14, 14],
                              strides=[14, 14]),
             helper.make_node("Flatten", ["cells"], ["flat"]),
             helper.make_node("MatMul", ["flat", "projection"], ["683"])]
    inits = [numpy_helper.from_array(PROJECTION, "projection")]
    out = helper.make_tensor_value_info("683", TensorProto.FLOAT, [1, LATENT])
    return _save(path, nodes, [_image("input.1", 112)], [out], inits)


def enhancer(path: Path, behaviour: str, weight: bool = False, conv_channels: int = 0
             ) -> Path:
    """GFPGAN/GPEN's signature (`input` -> `output`, 512 px, -1..1), CodeFormer's with
    `weight`: 'input' returns the face, 'flat' answers FLAT (in -1..1: 2 FLAT - 1)."""
    nodes, inits = [], []
    image = _work("input", conv_channels, nodes, inits)
    inputs = [_image("input", 512)]
    if weight:
        inputs.append(helper.make_tensor_value_info("weight", TensorProto.DOUBLE, [1]))
    if behaviour == "input":
        nodes.append(helper.make_node("Identity", [image], ["output"]))
    else:
        colour = (2 * np.array(FLAT, np.float32) - 1).reshape(1, 3, 1, 1)
        inits += [numpy_helper.from_array(np.zeros((1, 3, 1, 1), np.float32), "zero"),
                  numpy_helper.from_array(colour, "colour")]
        nodes += [helper.make_node("Mul", [image, "zero"], ["blank"]),
                  helper.make_node("Add", ["blank", "colour"], ["output"])]
    return _save(path, nodes, inputs, [_image("output", 512)], inits)


def occluder(path: Path, face: float) -> Path:
    """XSeg's signature (NHWC `input` 1x256x256x3 -> 1x256x256x1): `face` everywhere."""
    inits = [numpy_helper.from_array(np.zeros((1, 1, 1, 3), np.float32), "zero"),
             numpy_helper.from_array(np.full((1, 1, 1, 1), face, np.float32), "face"),
             numpy_helper.from_array(np.array([0], np.int64), "start"),
             numpy_helper.from_array(np.array([1], np.int64), "end"),
             numpy_helper.from_array(np.array([3], np.int64), "axis")]
    nodes = [helper.make_node("Mul", ["input", "zero"], ["blank"]),
             helper.make_node("Slice", ["blank", "start", "end", "axis"], ["one"]),
             helper.make_node("Add", ["one", "face"], ["output"])]
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 256, 256, 3])]
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 256, 256, 1])
    return _save(path, nodes, inputs, [out], inits)


HAIR, SKIN = 17, 1


def parser(path: Path) -> Path:
    """BiSeNet's signature (`input` 1x3x512x512 -> `output` 19 class logits at 512): the
    crop's left half (as the picture shows it) hair, its right half skin."""
    logits = np.zeros((1, 19, 1, 512), np.float32)
    logits[0, HAIR, 0, :256] = 10.0
    logits[0, SKIN, 0, 256:] = 10.0
    inits = [numpy_helper.from_array(logits, "logits"),
             numpy_helper.from_array(np.array([1, 19, 512, 512], np.int64), "shape")]
    nodes = [helper.make_node("Expand", ["logits", "shape"], ["output"])]
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 19, 512, 512])
    return _save(path, nodes, [_image("input", 512)], [out], inits)
