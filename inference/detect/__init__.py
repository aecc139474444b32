"""Face detectors with five landmarks, each behind `inference.types.FaceDetector`."""
