"""Everything that turns images into images. Knows images, nothing about Telegram."""

import numpy  # noqa: F401  loaded first, so that its OpenBLAS is there to be limited below
from threadpoolctl import threadpool_limits

# OpenBLAS's worker threads spin after each call; on the small arrays of a face swap (lstsq, matmul) they win
# nothing and keep the second core busy. Measured on the Solvay anonymize (2 cores): 5.5 s of CPU for 2.8 s of wall
# time with OpenBLAS's default, 3.1 s of CPU and ~8 % less wall time with one thread. Set at import, so it holds
# whichever entry point loaded numpy (onnxruntime, OpenCV and OpenVINO keep their own thread pools).
threadpool_limits(limits=1, user_api="blas")
