"""Face swap: put a donor face into a target photo so identity changes while pose, light and expression stay."""

from inference.swap.base import FaceSwapper, SwapResult
from inference.swap.classical import ClassicalConfig, ClassicalSwapper

__all__ = ["ClassicalConfig", "ClassicalSwapper", "FaceSwapper", "SwapResult"]
