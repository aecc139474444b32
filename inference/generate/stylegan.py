"""MobileStyleGAN FFHQ-1024 (OpenVINO IR): z -> w (mapping), w -> 1024 px RGB face (synthesis), truncation.

Facts about these files (checked on the pinned IR, see the generate report):
- mapping takes z (1, 512) and the batch dimension reshapes freely, so thousands of z map in one call;
- synthesis takes one w (1, 512), not per-layer w, so style mixing is impossible; its output is RGB in [-1, 1]
  with no noise input (the per-pixel noise is baked in as constants): the same w always gives the same face;
- synthesis ends with an inverse Haar wavelet transform of a 12-channel 512 px tensor, so there is no cheaper
  full-quality output; `inference.generate.preview` cuts the graph earlier for a cheap low-resolution look.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openvino as ov

from models import ModelStore

MAPPING_XML, MAPPING_BIN = "mobilestylegan/MappingNetwork.xml", "mobilestylegan/MappingNetwork.bin"
SYNTHESIS_XML, SYNTHESIS_BIN = "mobilestylegan/SynthesisNetwork.xml", "mobilestylegan/SynthesisNetwork.bin"
LATENT = 512
SIZE = 1024
W_AVG_SAMPLES = 8192
W_AVG_SEED = 20240601  # fixed: the cached mean must not depend on who computed it first
W_AVG_FILE = "mobilestylegan-w_avg.npy"
MAP_BATCH = 1024


def read_model(core: ov.Core, store: ModelStore, xml: str, weights: str) -> ov.Model:
    # Both files go through the store (each is verified); OpenVINO would otherwise look for the .bin by name.
    return core.read_model(str(store.path(xml)), str(store.path(weights)))


class StyleGAN:
    """The generator on the CPU (or another OpenVINO device). One instance holds both compiled networks."""

    def __init__(self, store: ModelStore, device: str = "CPU", threads: int | None = None) -> None:
        self.store = store
        self.core = ov.Core()
        config = {"INFERENCE_NUM_THREADS": threads} if threads else {}
        mapping = read_model(self.core, store, MAPPING_XML, MAPPING_BIN)
        mapping.reshape({mapping.inputs[0]: ov.PartialShape([-1, LATENT])})
        self._mapping = self.core.compile_model(mapping, device, config)
        synthesis = read_model(self.core, store, SYNTHESIS_XML, SYNTHESIS_BIN)
        self._synthesis = self.core.compile_model(synthesis, device, config)
        self._w_avg: np.ndarray | None = None

    # ----- latents -----
    @staticmethod
    def sample_z(rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.standard_normal((n, LATENT)).astype(np.float32)

    def map(self, z: np.ndarray) -> np.ndarray:
        """(N, 512) z -> (N, 512) w, float32."""
        z = np.ascontiguousarray(np.atleast_2d(z), dtype=np.float32)
        parts = [self._mapping(z[i : i + MAP_BATCH])[0] for i in range(0, len(z), MAP_BATCH)]
        return np.concatenate(parts).astype(np.float32)

    @property
    def w_avg(self) -> np.ndarray:
        """Mean w over `W_AVG_SAMPLES` mapped z; computed once per mapping network and cached in the store."""
        if self._w_avg is None:
            path = self.store.derived(W_AVG_FILE, source=MAPPING_BIN, build=self._build_w_avg)
            self._w_avg = np.load(path).astype(np.float32)
        return self._w_avg

    def _build_w_avg(self, _source: Path, out: Path) -> None:
        z = self.sample_z(np.random.default_rng(W_AVG_SEED), W_AVG_SAMPLES)
        with open(out, "wb") as fh:  # np.save on a path would append ".npy" to the store's temp name
            np.save(fh, self.map(z).mean(axis=0))

    def truncate(self, w: np.ndarray, psi: float) -> np.ndarray:
        """w_avg + psi (w - w_avg): psi < 1 trades variety for fewer artifacts."""
        return (self.w_avg + np.float32(psi) * (np.asarray(w, np.float32) - self.w_avg)).astype(np.float32)

    # ----- images -----
    def synthesize(self, w: np.ndarray) -> np.ndarray:
        """One w (512,) -> RGB uint8 (1024, 1024, 3), C-contiguous."""
        out = self._synthesis(_one_w(w))[0][0]
        return to_uint8(out)

    def synthesis_model(self) -> ov.Model:
        """A fresh, uncompiled copy of the synthesis graph, for callers that cut or reshape it."""
        return read_model(self.core, self.store, SYNTHESIS_XML, SYNTHESIS_BIN)


def _one_w(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float32).reshape(-1)
    if w.shape != (LATENT,):
        raise ValueError(f"synthesis takes one w of {LATENT} values, got shape {np.shape(w)}")
    return np.ascontiguousarray(w[None])


def to_uint8(chw: np.ndarray) -> np.ndarray:
    """Network output (3, H, W) in [-1, 1] -> RGB uint8 (H, W, 3), C-contiguous."""
    scaled = (np.clip(chw, -1.0, 1.0) + 1.0) * 127.5
    return np.ascontiguousarray(np.rint(scaled).astype(np.uint8).transpose(1, 2, 0))
