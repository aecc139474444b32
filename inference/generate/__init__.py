"""Donor faces of people who never existed: MobileStyleGAN, latent directions fitted with our own estimators,
and a generator that steers a sample until it measures like the target face.

- `stylegan.StyleGAN`: z -> w -> 1024 px RGB, truncation around a cached w_avg.
- `preview.Preview`: a ~4x cheaper 128 px look at a w, for fitting and steering.
- `directions.fit_directions` / `load_directions`: linear attribute models in w (age, gender, yaw, pitch, smile,
  mouth open, skin ITA, glasses), stored as a small .npz in the model cache.
- `donor.DonorGenerator.generate(TargetSpec, seed) -> Donor`.
"""

from inference.generate.directions import Directions, default_path, fit_directions, load_directions
from inference.generate.donor import Donor, DonorGenerator
from inference.generate.measure import FaceMeasure, FaceMeter
from inference.generate.stylegan import StyleGAN
from inference.generate.target import TargetSpec

__all__ = [
    "Directions",
    "Donor",
    "DonorGenerator",
    "FaceMeasure",
    "FaceMeter",
    "StyleGAN",
    "TargetSpec",
    "default_path",
    "fit_directions",
    "load_directions",
]
