"""onnxruntime sessions with one place that decides providers and CPU threads, and graph edits that let fixed-shape
exported detectors run at any input size."""

from __future__ import annotations

import os
from pathlib import Path

import onnx
import onnxruntime as ort

# Preferred order. A GPU worker installs onnxruntime-gpu and gets CUDA first; the CPU wheel only lists CPU (and
# Azure, which is a remote-inference provider we never want, so it is not in this list).
PREFERRED_PROVIDERS: tuple[str, ...] = ("CUDAExecutionProvider", "CPUExecutionProvider")


def providers() -> list[str]:
    """The preferred providers this onnxruntime build offers, best first."""
    available = set(ort.get_available_providers())
    return [p for p in PREFERRED_PROVIDERS if p in available]


def cpu_threads() -> int:
    """Threads for one session: the cores this process may use, overridable by NOBODY_ORT_THREADS."""
    configured = os.environ.get("NOBODY_ORT_THREADS")
    if configured:
        return max(1, int(configured))
    return max(1, len(os.sched_getaffinity(0)))


def create_session(model: Path, threads: int | None = None) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or cpu_threads()
    options.inter_op_num_threads = 1
    # Idle worker threads would otherwise spin for a while after each run and steal the CPU from whatever the
    # pipeline runs next (dlib, OpenVINO) on small machines.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about unused initializers are noise for these third-party files
    return ort.InferenceSession(str(model), sess_options=options, providers=providers())


def make_io_symbolic(model: onnx.ModelProto, input_channel_axis: int = 1) -> None:
    """Give every graph input and output named symbolic dims instead of the exported fixed ones, in place.

    The inputs keep their channel count (onnxruntime checks it, and it never changes). Stale shape annotations
    of intermediate tensors are dropped, and initializers are removed from the graph inputs: old exporters listed
    them there, which makes onnxruntime treat the weights as overridable and skip constant folding.
    """
    weights = {init.name for init in model.graph.initializer}
    kept = [i for i in model.graph.input if i.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(kept)
    for value in model.graph.input:
        _make_symbolic(value, keep_axis=input_channel_axis)
    for value in model.graph.output:
        _make_symbolic(value, keep_axis=None)
    del model.graph.value_info[:]


def _make_symbolic(value: onnx.ValueInfoProto, keep_axis: int | None) -> None:
    for axis, dim in enumerate(value.type.tensor_type.shape.dim):
        if axis != keep_axis:
            dim.dim_param = f"{value.name}_d{axis}"  # setting dim_param clears dim_value (a protobuf oneof)
