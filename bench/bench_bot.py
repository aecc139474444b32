"""Time from a photo update to the face sheet being sent, through the real bot against the fake Bot API server.

    .venv/bin/python bench/bench_bot.py [--runs 7] [--image ../shared/images/t1.jpg]

Each run injects one photo update and waits for the sendPhoto carrying the sheet's keyboard; this covers the long
poll, getFile + download, the analyze job (detection, landmarks, age/gender, sheet rendering) and the upload.
The first run (model loading) is reported apart and left out of the median.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_telegram import FakeTelegram  # noqa: E402
from thread_backend import job_backend  # noqa: E402

from bot import app as bot_app  # noqa: E402
from inference.jobs import Engine  # noqa: E402
from nobody.settings import Settings  # noqa: E402

SHARED = Path(os.environ.get("NOBODY_SHARED", ROOT.parent / "shared"))


async def bench(image: bytes, runs: int) -> tuple[float, list[float]]:
    fake = FakeTelegram()
    await fake.start()
    mirrors = os.environ.get("NOBODY_MODEL_MIRROR") or os.pathsep.join([str(SHARED / "models"), str(SHARED / "images")])
    settings = Settings(
        model_mirror=mirrors,
        bot_token=fake.token,
        bot_base_url=fake.base_url,
        bot_base_file_url=fake.base_file_url,
        bot_quota_per_day=0,
    )
    backend = await job_backend(settings, Engine(settings))
    app = bot_app.build_application(settings, backend=backend)
    await bot_app.start(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    times = []
    try:
        for _ in range(runs + 1):
            seen = len(fake.calls)
            started = time.perf_counter()
            await fake.send_photo(77, fake.user(77), image)
            await fake.wait_for(
                lambda c, seen=seen: (
                    fake.calls.index(c) >= seen and c.method == "sendPhoto" and "reply_markup" in c.params
                ),
                timeout=300,
            )
            times.append(time.perf_counter() - started)
    finally:
        await bot_app.stop(app)
        await backend.close()
        await fake.stop()
    return times[0], times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--image", type=Path, default=SHARED / "images" / "t1.jpg")
    args = parser.parse_args()
    first, rest = asyncio.run(bench(args.image.read_bytes(), args.runs))
    print(f"{args.image.name}: photo update → sheet sent")
    print(f"  first (cold, loads models): {first * 1000:.0f} ms")
    ms = [t * 1000 for t in rest]
    print(f"  median of {len(ms)}: {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})")


if __name__ == "__main__":
    main()
