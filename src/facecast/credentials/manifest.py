"""Sign a result with a C2PA manifest (the official `c2pa-python`), and read one back.

The manifest holds one `c2pa.created` action: for a swap its digital source type is IPTC's
compositeWithTrainedAlgorithmicMedia (a real picture with a face made by trained models),
for an edit without a swap algorithmicallyEnhanced, with a description of what was done;
the software agent is facecast and its version. Signing embeds the manifest in the file's
container (an MP4 box, a JPEG APP11 segment, a PNG chunk) and leaves the coded pictures
as they were, so decoded frames are unchanged.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Literal

import c2pa

from facecast.credentials.authority import CredentialsError, signing_keys
from facecast.media.sniff import image_format, read_head
from facecast.params import EditParams, SwapParams

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
SWAPPED = IPTC + "compositeWithTrainedAlgorithmicMedia"
EDITED = IPTC + "algorithmicallyEnhanced"
MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
Made = Literal["swap", "edit"]


def facecast_version() -> str:
    return version("facecast")


@dataclass
class Credentials:
    """What a file's active manifest says, and whether it validates."""

    present: bool
    state: str = "absent"  # Invalid, Valid or Trusted as the library judges; else absent
    source_type: str | None = None
    agent: str | None = None
    description: str | None = None
    signer: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ai_generated(self) -> bool:
        return self.source_type == SWAPPED

    @property
    def valid(self) -> bool:
        return self.state in ("Valid", "Trusted")


def mime_of(path: Path) -> str | None:
    """The file's type as C2PA names it: JPEG, PNG or an ISO media file (MP4, MOV), else None."""
    head = read_head(path)
    if head[4:8] == b"ftyp":
        return "video/mp4"
    return MIME.get(image_format(head) or "")


def describe(params: EditParams) -> str:
    """What was done, in words, for the manifest's action."""
    swapped = isinstance(params, SwapParams)
    done = ["a face replaced by a trained model's rendering of another person" if swapped
            else "no face replaced"]
    if params.style != "realistic":
        done.append(f"painted as {params.style} ({params.style_scope})")
    changed = [name for name, value in params.adjustments.model_dump().items() if value]
    changed += [name for name, value in params.sliders.model_dump().items() if value]
    if changed:
        done.append("adjusted: " + ", ".join(changed))
    done.append("labelled \"AI\" in a corner" if params.label else "no visible label")
    return "facecast: " + "; ".join(done)


def _definition(path: Path, made: Made, description: str) -> dict:
    agent = {"name": "facecast", "version": facecast_version()}
    action = {"action": "c2pa.created", "digitalSourceType": SWAPPED if made == "swap" else EDITED,
              "softwareAgent": agent, "description": description}
    return {"claim_generator_info": [agent], "title": path.name,
            "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}]}


def sign(path: str | Path, made: Made, description: str) -> None:
    """Embed a signed manifest in the file at `path` (replaced atomically)."""
    path = Path(path)
    keys = signing_keys()
    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, keys.chain, keys.key, None)
        signed = path.with_name(f".{path.name}.c2pa")
        with c2pa.Signer.from_info(info) as signer, \
                c2pa.Builder(_definition(path, made, description)) as builder, \
                path.open("rb") as source, signed.open("w+b") as dest:
            builder.sign(signer, mime_of(path) or "video/mp4", source, dest)
        os.replace(signed, path)
    except c2pa.C2paError as exc:
        Path(f"{path.parent}/.{path.name}.c2pa").unlink(missing_ok=True)
        hint = "" if keys.local else " (check FACECAST_C2PA_CERT and FACECAST_C2PA_KEY)"
        raise CredentialsError(f"cannot sign {path.name} with Content Credentials{hint}: "
                               f"{exc}") from exc


def read(path: str | Path) -> Credentials:
    """The file's Content Credentials as `facecast verify` and the page report them."""
    path = Path(path)
    mime = mime_of(path)  # MediaError naming the file when it cannot be read
    if mime is None:
        return Credentials(present=False, problems=["not a JPEG, PNG or MP4 file"])
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader.try_create(mime, stream)
            if reader is None:
                return Credentials(present=False)
            with reader:
                store = json.loads(reader.json())
                state = reader.get_validation_state() or "Invalid"
    except c2pa.C2paError as exc:
        return Credentials(present=True, state="Invalid", problems=[str(exc)])
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    actions = [a for assertion in active.get("assertions", [])
               if assertion.get("label", "").startswith("c2pa.actions")
               for a in assertion.get("data", {}).get("actions", [])]
    created = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    agent = created.get("softwareAgent")
    agent_text = (f"{agent.get('name', '')} {agent.get('version', '')}".strip()
                  if isinstance(agent, dict) else agent)
    problems = [f"{s.get('code')}: {s.get('explanation', '')}".strip(": ")
                for s in store.get("validation_status", []) or []]
    issuer = (active.get("signature_info") or {}).get("common_name") or \
        (active.get("signature_info") or {}).get("issuer")
    return Credentials(present=True, state=state, source_type=created.get("digitalSourceType"),
                       agent=agent_text, description=created.get("description"),
                       signer=issuer, problems=problems)
