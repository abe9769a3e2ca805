"""Speed of `facecast swap` against a plain transcode of the same clip, at two lengths and
two face sizes.

Builds (once, under out/bench/) a 12 s and a 60 s 1280x720 clip with sound from
$FACECAST_MEDIA/videos/s18.mp4 played forwards and backwards (`footage.bounced`), and a
12 s 720x1280 close-up from d3.mp4 framed upright (`CLOSE_UP`), then for each, back to
back: a plain PyAV decode + libx264 encode (its defaults) with the audio
copied, the physical limit; and the `facecast swap` command as a whole process (start-up
and model loading included). Prints their times and CPU seconds (user + system, all
threads), the ratios (goal: <= 2.0 at every length on a 2-core machine), the swap's peak
memory (goal: <= 700 MB, flat in length), whether the output keeps the source's frames,
frame rate and sound, and the swap's milliseconds per frame of each stage (wall clock and
CPU of the thread that ran it) with each thread's sums, then the identity build time for 15
selfies (goal: <= 10 s): the 12 of $FACECAST_MEDIA/identities/d10 and three of them
mirrored (`fifteen_selfies`).

Other work on the machine slows both sides alike: compare ratios, not seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
from footage import bounced

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
SOURCE = MEDIA / "videos" / "s18.mp4"
CLOSE_UP = MEDIA / "videos" / "d3.mp4"
"""A close-up (512 x 512) framed upright at 720 x 1280 (`footage.framed`): a portrait selfie
video's face, about 470 px across where s18's is about 275. The per-frame work follows the
face's area, so a medium shot alone understates the ratio a close-up gets."""
CLOSE_UP_SIZE = (720, 1280)
SELFIES = MEDIA / "identities" / "d10"
FACECAST = Path(sys.executable).with_name("facecast")
OUT = Path("out/bench")
LENGTHS = (12, 60)  # seconds


def plain_transcode(src: Path, dst: Path) -> None:
    """Decode every frame and encode it again with libx264's defaults; audio copied."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        vout = out.add_stream("libx264", rate=vin.average_rate)
        vout.width, vout.height, vout.pix_fmt = vin.width, vin.height, "yuv420p"
        vout.time_base = vin.time_base
        ain = inp.streams.audio[0] if inp.streams.audio else None
        aout = out.add_stream_from_template(ain) if ain is not None else None
        for packet in inp.demux(*(s for s in (vin, ain) if s is not None)):
            if packet.stream is ain:
                if packet.dts is not None:
                    packet.stream = aout
                    out.mux(packet)
                continue
            for frame in packet.decode():
                out.mux(vout.encode(frame))
        out.mux(vout.encode(None))


def fifteen_selfies(folder: Path) -> Path:
    """`SELFIES` (12 photos) and the first three of them mirrored, in `folder`: the build's
    goal is stated for 15 photos, the most a set may have."""
    folder.mkdir()
    photos = sorted(SELFIES.glob("*.jpg"))
    for photo in photos:
        (folder / photo.name).write_bytes(photo.read_bytes())
    for photo in photos[: 15 - len(photos)]:
        cv2.imwrite(str(folder / f"mirrored_{photo.name}"), cv2.flip(cv2.imread(str(photo)), 1))
    return folder


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(seconds, CPU seconds (user + system), peak resident memory in MB) of a command, as a
    whole process.

    The peak is the command's own (`VmHWM`, read as it runs): the rusage of a child started
    by a big parent reports the parent's high-water mark from before the child's exec (this
    script's, after it made the clips and transcoded: 1052 MB where the swap peaked at 508)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _high_water_mb(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, peak


def _high_water_mb(pid: int) -> float:
    """A running process's peak resident memory so far (MB), 0 if it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def streams(path: Path) -> tuple[int, float, float | None]:
    """(video frames, frame rate, audio seconds or None)."""
    with av.open(str(path)) as c:
        video = c.streams.video[0]
        frames = sum(1 for _ in c.demux(video) if _.size)
        audio = c.streams.audio[0] if c.streams.audio else None
        sound = float(audio.duration * audio.time_base) if audio and audio.duration else None
        return frames, float(video.average_rate), sound


def main() -> int:
    if not SOURCE.is_file():
        print(f"no {SOURCE}: set FACECAST_MEDIA")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    clips = [bounced(SOURCE, OUT / f"s18-{n}s.mp4", n) for n in LENGTHS]
    clips.append(bounced(CLOSE_UP, OUT / f"d3-upright-{LENGTHS[0]}s.mp4", LENGTHS[0],
                         CLOSE_UP_SIZE))
    rows, stages = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FACECAST_HOME=tmp)
        selfies = fifteen_selfies(Path(tmp) / "selfies")
        train = [str(FACECAST), "train", str(selfies), "--name", "bench", "--consent"]
        build, _, _ = run(train, env)
        for clip in clips:
            t, cpu = time.perf_counter(), time.process_time()
            plain_transcode(clip, Path(tmp) / "plain.mp4")
            plain, plain_cpu = time.perf_counter() - t, time.process_time() - cpu
            swapped, timings = Path(tmp) / "swap.mp4", Path(tmp) / "timings.json"
            swap, swap_cpu, peak = run([str(FACECAST), "swap", "--identity", "bench", "--input",
                                        str(clip), "--output", str(swapped), "--timings",
                                        str(timings)], env)
            same = streams(clip) == streams(swapped)
            rows.append((clip.name, streams(clip)[0], plain, swap, peak, same, plain_cpu,
                         swap_cpu))
            stages[clip.name] = json.loads(timings.read_text())["stages"]
    print(f"{'clip':20s} {'frames':>6s} {'transcode':>10s} {'swap':>8s} {'ratio':>6s} "
          f"{'peak MB':>8s} {'CPU: transcode':>15s} {'swap':>7s} {'ratio':>6s}  output as source")
    for name, frames, plain, swap, peak, same, plain_cpu, swap_cpu in rows:
        print(f"{name:20s} {frames:6d} {plain:9.1f}s {swap:7.1f}s {swap / plain:6.2f} "
              f"{peak:8.0f} {plain_cpu:14.1f}s {swap_cpu:6.1f}s {swap_cpu / plain_cpu:6.2f}  "
              f"{'yes' if same else 'NO: frames, fps or sound differ'}")
    print("goal: ratio <= 2.0 and peak <= 700 MB at every length (CPU: user + system seconds "
          "of each side, all its threads)\n")
    names = list(stages)
    print("ms per frame".ljust(14) + "".join(f"{n.removesuffix('.mp4') + ' wall':>21s}"
                                             f"{'cpu':>7s}" for n in names)
          + "  thread")
    # every clip's stages (a close-up's has its copy's, `canvas` and `paste`), in order
    threads_of = {stage: ms["thread"] for n in names for stage, ms in stages[n].items()}
    for stage, thread in threads_of.items():
        print(stage.ljust(14) + "".join(
            f"{stages[n].get(stage, {}).get('wall_ms', 0):21.1f}"
            f"{stages[n].get(stage, {}).get('cpu_ms', 0):7.1f}" for n in names)
            + f"  {thread}")
    threads = dict.fromkeys(threads_of.values())
    for thread in threads:
        print(f"= {thread}".ljust(14) + "".join(
            f"{sum(s['wall_ms'] for s in stages[n].values() if s['thread'] == thread):21.1f}"
            f"{sum(s['cpu_ms'] for s in stages[n].values() if s['thread'] == thread):7.1f}"
            for n in names))
    print("(mesh and scene run in the mesh thread, MediaPipe's work in its own threads: their "
          "cpu is the calling thread's only;\n the frame is drawn in one thread (track to "
          "plate) and composed in another (light to looks), one to two frames apart;\n a "
          "close-up's face on a smaller copy of its neighbourhood, made on the first (canvas) "
          "and put back on the second (paste);\n wait: "
          "the drawing thread waiting for the decoder and the mesh thread; wait compose: for "
          "the composing thread;\n write: for the encoder's queue)\n")
    print(f"identity build, 15 photos {build:6.2f} s  (command total; goal <= 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
