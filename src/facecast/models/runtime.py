"""One ONNX Runtime session per installed model file per process, on CUDA when
onnxruntime-gpu sees a GPU, else on the CPU; and what a graph declares (its inputs, its last
initializer).

Sessions are keyed by the file and its recorded SHA-256, so a model added again under the
same name while a server runs gets a new session. Graphs are fed by the names they declare
and read at their first output, whatever they are called: the files in circulation name
them differently.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from facecast.errors import ModelError
from facecast.models.store import Installed


def providers() -> list[str]:
    import onnxruntime as ort

    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


@cache
def _session(path: str, _sha256: str) -> object:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # unused initializers (inswapper's emap) are not news
    return ort.InferenceSession(path, options, providers=providers())


def session(model: Installed) -> object:
    """The session of `model` (loaded once per process; a model is hundreds of MB)."""
    return _session(str(model.path), model.sha256)


@cache
def _last_initializer(path: str, _sha256: str) -> np.ndarray:
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(path, load_external_data=False).graph
    return numpy_helper.to_array(graph.initializer[-1]).astype(np.float32)


def last_initializer(model: Installed) -> np.ndarray:
    """The graph's last initializer (inswapper's `emap`, 512 x 512), read once."""
    return _last_initializer(str(model.path), model.sha256)


def run(model: Installed, image: np.ndarray, vector: np.ndarray | None = None,
        extra: dict[str, float] | None = None) -> np.ndarray:
    """The first output of `model` given an image batch (the 4-D input), an optional vector
    (the 2-D input: a swapper's source latent) and named scalars (CodeFormer's `weight`)."""
    sess = session(model)
    feeds: dict[str, np.ndarray] = {}
    for arg in sess.get_inputs():
        if extra and arg.name in extra:
            dtype = np.float64 if "double" in arg.type else np.float32
            feeds[arg.name] = np.array([extra[arg.name]], dtype)
        elif len(arg.shape) == 4:
            feeds[arg.name] = image.astype(np.float32)
        elif len(arg.shape) == 2 and vector is not None:
            feeds[arg.name] = vector.reshape(1, -1).astype(np.float32)
        else:
            raise ModelError(f"{model.file}: its input {arg.name} {arg.shape} is not one this "
                             "model's recipe feeds: is it the model it was added as?")
    return sess.run([sess.get_outputs()[0].name], feeds)[0]
