"""ONNX models a user installs for the neural engines: `registry` (what is known, shipped as
`registry.json`), `store` (what is installed under `$FACECAST_HOME/models/`), `fetch` (the
download) and `runtime` (one ONNX Runtime session per model per process)."""
