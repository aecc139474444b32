"""`nobody analyze IMAGE [--json] [--draw OUT.png] [--embeddings]`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from nobody.settings import get_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("analyze", help="find faces with box, landmarks, age, gender, pose and skin tone")
    p.add_argument("image", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--draw", type=Path, metavar="OUT.png", help="write the photo with numbered boxes and labels")
    p.add_argument("--embeddings", action="store_true", help="also compute 128-D identity embeddings (~80 ms/face)")
    p.add_argument("--detector", choices=["scrfd", "centerface", "retinaface"], help="override NOBODY_DETECTOR")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from inference.analyze import FaceAnalyzer
    from inference.draw import draw_faces
    from inference.image_io import load_image
    from inference.image_out import encode_image

    settings = get_settings()
    loaded = load_image(args.image, max_pixels=settings.max_pixels, max_bytes=settings.max_bytes)
    analyzer = FaceAnalyzer(settings.store(), detector=args.detector or settings.detector)
    started = time.perf_counter()
    faces = analyzer.analyze(loaded.rgb, embeddings=args.embeddings)
    elapsed = time.perf_counter() - started
    if args.json:
        payload = {
            "image": {"width": loaded.rgb.shape[1], "height": loaded.rgb.shape[0], "notes": loaded.notes},
            "faces": [_face_json(f, args.embeddings) for f in faces],
        }
        print(json.dumps(payload, indent=1))
    else:
        _print_table(faces, loaded.notes, elapsed)
    if args.draw:
        args.draw.write_bytes(encode_image(draw_faces(loaded.rgb, faces), "PNG"))
        print(f"wrote {args.draw}", file=sys.stderr)
    return 0


def _face_json(face, with_embedding: bool) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data = face.to_dict()
    if with_embedding and face.embedding is not None:
        data["embedding"] = [round(float(v), 5) for v in face.embedding]
    return data


def _print_table(faces, notes: list[str], elapsed: float) -> None:  # type: ignore[no-untyped-def]
    for note in notes:
        print(f"note: {note}")
    print(f"{len(faces)} face(s) in {elapsed * 1000:.0f} ms")
    print(f"{'#':>3} {'box (x1,y1,x2,y2)':>24} {'score':>5} {'age':>4} {'gender':>11} {'yaw':>5} {'pitch':>5} "
          f"{'roll':>5}  skin")  # fmt: skip
    for f in faces:
        box = ",".join(f"{v:.0f}" for v in f.box)
        gender = f"{f.gender[0].upper()} ({f.gender_confidence:.2f})"
        print(
            f"{f.number:>3} {box:>24} {f.score:5.2f} {f.age:4.0f} {gender:>11} {f.pose.yaw:5.0f} {f.pose.pitch:5.0f} "
            f"{f.pose.roll:5.0f}  {f.skin.category} (ITA {f.skin.ita:.0f})"
        )
