"""Face aging: show how a (missing) child may look at later ages, pasted back into the photo.

- `base`: the `AgeEditor` contract (aligned face + age + gender + target age -> aged aligned face), so a GPU
  engine can replace the portable one;
- `engine.PrototypeAgeEditor`: the portable engine, shape-and-texture age prototypes (`prototypes`) learned from
  longitudinal generator walks (`walk`, `longitudinal`, `build`);
- `pipeline.Ager`: pick the face, align (`align`), edit per target, paste back (`paste`), measure
  (`remeasure`), labelled strip (`strip`); `factory.shared_ager` for the jobs;
- `evaluate`: the measured evaluation behind `nobody eval age`.
"""

from inference.aging.base import AgedFace, AgeEditor, AlignedFace
from inference.aging.engine import PrototypeAgeEditor
from inference.aging.pipeline import AgedPhoto, Ager, AgingResult, NoFace
from inference.aging.prototypes import AgePrototypes, load_prototypes

__all__ = [
    "AgeEditor",
    "AgePrototypes",
    "AgedFace",
    "AgedPhoto",
    "Ager",
    "AgingResult",
    "AlignedFace",
    "NoFace",
    "PrototypeAgeEditor",
    "load_prototypes",
]
