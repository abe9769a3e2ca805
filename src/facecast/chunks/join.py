"""The pieces of a long video put back together without re-encoding.

Each piece starts at time 0; its packets are copied with their timestamps shifted by where
its first frame was in the source (less the output's origin), so the joined file has the
timestamps a single-process swap gives it. The source's sound is muxed once, along the way,
exactly as the video writer does it; the file is written beside `output` and renamed, with
its index at the front (faststart).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from facecast.chunks.plan import Plan
from facecast.media._files import AtomicFile
from facecast.media.audio import AudioTrack
from facecast.media.probe import inspect_video


def join_pieces(pieces: list[Path], plan: Plan, source: Path, output: Path) -> None:
    """Write `output` from `pieces` (in the plan's order) and the source's sound."""
    info, details = inspect_video(source)
    tb = details.time_base
    target = AtomicFile(output)
    try:
        with av.open(str(target.tmp), "w", format="mp4",
                     container_options={"movflags": "+faststart"}) as out:
            with av.open(str(pieces[0])) as first:
                template = first.streams.video[0]
                video = out.add_stream_from_template(template)
                video.time_base = template.time_base
                extradata = template.codec_context.extradata
            audio = AudioTrack(source, out, plan.trimmed) if info.audio_codec else None
            if audio is not None and plan.trimmed:
                audio.start_at(float(plan.origin_pts * tb))
            for chunk, piece in zip(plan.chunks, pieces, strict=True):
                with av.open(str(piece)) as part:
                    stream = part.streams.video[0]
                    if stream.codec_context.extradata != extradata:
                        raise RuntimeError(f"{piece.name} was encoded with other settings")
                    shift = Fraction(chunk.first_pts - plan.origin_pts) * tb / stream.time_base
                    if shift.denominator != 1:
                        raise RuntimeError(f"{piece.name}: time base {stream.time_base} cannot "
                                           f"hold the source's timestamps ({tb})")
                    for packet in part.demux(stream):
                        if packet.dts is None:
                            continue
                        packet.pts += int(shift)
                        packet.dts += int(shift)
                        packet.stream = video
                        out.mux(packet)
                        if audio is not None:
                            audio.advance(float(packet.pts * stream.time_base
                                                + plan.origin_pts * tb))
            if audio is not None:
                audio.finish(float(plan.end_pts * tb) if plan.trimmed else None)
                audio.close()
    except BaseException:
        target.discard()
        raise
    target.commit()
