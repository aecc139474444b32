"""dlib's face-recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`) rebuilt as an ONNX graph.

Why: the PyPI dlib wheel is built without BLAS, and its descriptor costs 120-170 ms a face on 2 cores - most of an
anonymize run, which embeds every original and every result. The same network on onnxruntime costs 5-7 ms a face
(batch 1, 2 cores; PyTorch eager measured 8 ms hot but ~27 ms between other work, its OpenMP pool going cold). The
graph is derived from dlib's own file by project code and cached like every derived file, so there is one
identity model with one threshold, and the GPU provider applies to it as to the other networks.

The file is dlib's binary serialization (read from dlib's `serialize.h` and `dnn/layers.h` documentation):
integers are a control byte (byte count, 0x80 for negative) followed by little-endian bytes; strings are a length
then bytes; version-2 tensors are an int header (version, samples, k, rows, cols) followed by raw float32s. The
network is stored outermost layer first, each layer's sub-network before its own parameters, so the layer records
appear in forward order. We read each convolution (`con_4`), affine (`affine_`, dlib's frozen batch norm) and the
final `fc_2` record and check them against the topology dlib's `dnn_face_recognition_ex.cpp` declares:

    7x7/2 conv 32 -> affine -> relu -> 3x3/2 max pool
    -> 3 residual blocks of 32, [down + 3] of 64, [down + 2] of 128, [down + 2] of 256, [down] of 256
    -> global average -> 128-D linear map (no bias)

A residual block is conv -> affine -> relu -> conv -> affine, added to its input, then relu. A down block's first
conv has stride 2 and no padding; its shortcut is a 2x2/2 average pool. Where the two branches differ in size
(channels, or 3x3 against 4x4 in the fourth stage), dlib's `add_prev` makes a tensor of the larger size and adds
both into its top-left corner - the smaller branch is zero-padded - and the graph pads the same way.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models import ModelStore

SOURCE = "dlib/dlib_face_recognition_resnet_model_v1.dat"
DERIVED = "dlib-face-recognition-resnet.onnx"
CHIP_SIZE = 150
CHIP_PADDING = 0.25  # dlib's `compute_face_descriptor` default
# (channels, blocks, first block downsamples) per stage, input to output.
STAGES = ((32, 3, False), (64, 4, True), (128, 3, True), (256, 3, True), (256, 1, True))


class DlibFormatError(ValueError):
    """The file is not the dlib face-recognition network this module knows."""


@dataclass(frozen=True)
class _Conv:
    weight: np.ndarray  # (out, in, kh, kw)
    bias: np.ndarray
    stride: int
    padding: int


class _Reader:
    def __init__(self, data: bytes, offset: int) -> None:
        self.data, self.pos = data, offset

    def int(self) -> int:
        control = self.data[self.pos]
        size, negative = control & 0x0F, control & 0x80
        raw = self.data[self.pos + 1 : self.pos + 1 + size]
        self.pos += 1 + size
        value = int.from_bytes(raw, "little")
        return -value if negative else value

    def tensor(self) -> np.ndarray:
        version = self.int()
        if version != 2:
            raise DlibFormatError(f"tensor version {version} (expected 2)")
        shape = tuple(self.int() for _ in range(4))
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos += 4 * count
        return values.reshape(shape).astype(np.float32)

    def float(self) -> float:
        """dlib's portable float: an integer mantissa and a power-of-two exponent."""
        mantissa, exponent = self.int(), self.int()
        return float(np.ldexp(float(mantissa), exponent))


def _records(data: bytes, name: str) -> list[_Reader]:
    """A reader placed just after every serialized `name` string (its length prefix included)."""
    tag = struct.pack("BB", 1, len(name)) + name.encode()
    readers, start = [], 0
    while (found := data.find(tag, start)) >= 0:
        readers.append(_Reader(data, found + len(tag)))
        start = found + len(tag)
    return readers


def _read_conv(reader: _Reader) -> tuple[np.ndarray, int, int, int, int]:
    """A `con_4` record: all parameters (filters, then biases), filter count, size, stride, padding."""
    params = reader.tensor().ravel()
    filters, rows, cols, stride_y, stride_x, pad_y, pad_x = (reader.int() for _ in range(7))
    if rows != cols or stride_y != stride_x or pad_y != pad_x:
        raise DlibFormatError("non-square convolution")
    return params, filters, rows, stride_y, pad_y


def _load_layers(path: Path) -> tuple[np.ndarray, list[_Conv], np.ndarray]:
    data = path.read_bytes()
    inputs = _records(data, "input_rgb_image_sized")
    if len(inputs) != 1:
        raise DlibFormatError(f"{path.name}: not a dlib network with an RGB image input")
    means = np.array([inputs[0].float() for _ in range(3)], dtype=np.float32)
    convs, affines = _records(data, "con_4"), _records(data, "affine_")
    fcs = _records(data, "fc_2")
    if len(convs) != 29 or len(affines) != 29 or len(fcs) != 1:
        raise DlibFormatError(f"{path.name}: {len(convs)} conv, {len(affines)} affine, {len(fcs)} fc records")
    layers = []
    in_channels = 3
    for conv_reader, affine_reader in zip(convs, affines, strict=True):
        params, filters, size, stride, padding = _read_conv(conv_reader)
        weight_count = filters * in_channels * size * size
        if params.size != weight_count + filters:
            raise DlibFormatError(f"conv of {params.size} values, expected {weight_count + filters}")
        weight = params[:weight_count].reshape(filters, in_channels, size, size)
        bias = params[weight_count:]
        scale_shift = affine_reader.tensor().ravel()
        if scale_shift.size != 2 * filters:
            raise DlibFormatError(f"affine of {scale_shift.size} values after a conv of {filters} filters")
        gamma, beta = scale_shift[:filters], scale_shift[filters:]
        # dlib's affine layer is a frozen batch norm: fold it into the conv (y = gamma * conv(x) + beta).
        layers.append(_Conv(weight * gamma[:, None, None, None], bias * gamma + beta, stride, padding))
        in_channels = filters
    fc = fcs[0]
    outputs, inputs = fc.int(), fc.int()
    matrix = fc.tensor().reshape(inputs, outputs)
    _check_topology(layers)
    return means, layers, matrix


def _check_topology(layers: list[_Conv]) -> None:
    expected = [(32, 7, 2, 0)]
    for channels, blocks, down in STAGES:
        for block in range(blocks):
            first_stride = 2 if down and block == 0 else 1
            expected += [(channels, 3, first_stride, 0 if first_stride == 2 else 1), (channels, 3, 1, 1)]
    found = [(c.weight.shape[0], c.weight.shape[2], c.stride, c.padding) for c in layers]
    if found != expected:
        raise DlibFormatError(f"unexpected layer layout: {found}")


def onnx_path(store: ModelStore) -> Path:
    """The derived graph for the store's verified dlib file, built on first use (about a second)."""
    return store.derived(DERIVED, source=SOURCE, build=build_onnx)


def build_onnx(source: Path, target: Path) -> None:
    """Write the network as ONNX: (N, 3, 150, 150) float RGB pixel values 0..255 -> (N, 128) descriptors."""
    means, layers, matrix = _load_layers(source)
    graph = _Graph()
    x = graph.node("Sub", ["chips", graph.const("means", means.reshape(1, 3, 1, 1))])
    x = graph.node("Mul", [x, graph.const("scale", np.array(1 / 256, np.float32))])  # dlib: (pixel - mean) / 256
    size = CHIP_SIZE
    x, size = graph.conv(x, layers[0]), _conv_size(size, layers[0])
    x = graph.node("MaxPool", [graph.node("Relu", [x])], kernel_shape=[3, 3], strides=[2, 2])
    size, channels, index = (size - 3) // 2 + 1, layers[0].weight.shape[0], 1
    for out_channels, blocks, down in STAGES:
        for block in range(blocks):
            first, second = layers[index], layers[index + 1]
            shortcut, short_size = x, size
            if down and block == 0:
                shortcut = graph.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
                short_size = (size - 2) // 2 + 1
            y = graph.node("Relu", [graph.conv(x, first)])
            size = _conv_size(size, first)
            y = graph.conv(y, second)
            size = _conv_size(size, second)
            # dlib's add_prev: both branches zero-padded at the end to the larger channel count and size.
            full, full_size = max(channels, out_channels), max(size, short_size)
            y = graph.pad(y, full - out_channels, full_size - size)
            shortcut = graph.pad(shortcut, full - channels, full_size - short_size)
            x, size, channels = graph.node("Relu", [graph.node("Add", [y, shortcut])]), full_size, full
            index += 2
    pooled = graph.node("Flatten", [graph.node("GlobalAveragePool", [x])])
    graph.node("MatMul", [pooled, graph.const("fc", np.ascontiguousarray(matrix))], output="descriptors")
    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            "dlib_face_recognition_resnet_model_v1",
            [helper.make_tensor_value_info("chips", TensorProto.FLOAT, ["N", 3, CHIP_SIZE, CHIP_SIZE])],
            [helper.make_tensor_value_info("descriptors", TensorProto.FLOAT, ["N", matrix.shape[1]])],
            graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", 17)],
        ir_version=8,  # what onnxruntime 1.x reads; the onnx package would stamp its own newest
    )
    onnx.checker.check_model(model)
    target.write_bytes(model.SerializeToString())


def _conv_size(size: int, conv: _Conv) -> int:
    kernel = conv.weight.shape[2]
    return (size + 2 * conv.padding - kernel) // conv.stride + 1


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str | None = None, **attrs: object) -> str:
        output = output or f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def conv(self, x: str, conv: _Conv) -> str:
        k = len(self.initializers)
        weight = self.const(f"w{k}", conv.weight)
        bias = self.const(f"b{k}", conv.bias)
        pads = [conv.padding] * 4
        return self.node("Conv", [x, weight, bias], strides=[conv.stride] * 2, pads=pads)

    def pad(self, x: str, channels: int, size: int) -> str:
        """Zeros after the last channel, row and column; nothing when there is nothing to add."""
        if channels == 0 and size == 0:
            return x
        pads = self.const(f"pads{len(self.initializers)}", np.array([0, 0, 0, 0, 0, channels, size, size], np.int64))
        return self.node("Pad", [x, pads])
