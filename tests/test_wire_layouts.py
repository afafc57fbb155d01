"""Inputs cross to the worker in the layout the suite made them (transposed, sliced, channels-last),
and the protocol stays strict: a layout is validated on both sides, and the trusted side never
accepts one from the worker. In-process (no worker started)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder import strategies as st
from autograder.sandbox import client, protocol, worker


def _to_worker(value):
    session = worker.Session.__new__(worker.Session)  # only to_worker is used: no submission, no recorder
    session.torch, session.device, session.objects = torch, "cpu", {}
    header, buffers = protocol.pack({"v": value}, array_hook=client._to_wire)
    return session.to_worker(protocol.unpack(header["v"], buffers, layouts=True)), header["v"]


BIG = st.random_tensor((2, 8, 4, 6), 1)


@pytest.mark.parametrize("tensor", [
    st.with_layout(st.random_tensor((2, 3, 4, 5), 2, dtype=torch.float32), "transposed"),
    st.with_layout(st.random_tensor((2, 3, 4, 5), 3), "sliced"),
    st.with_layout(st.random_tensor((2, 3, 4, 5), 4), "channels_last"),
    BIG[:, 4:],                                              # a narrow view at a storage offset
    st.random_tensor((3, 1, 1, 1), 5).expand(3, 4, 5, 6),    # stride 0
    BIG.permute(0, 2, 3, 1),
], ids=["transposed", "sliced", "channels_last", "offset", "expanded", "permuted"])
def test_the_worker_gets_the_same_values_in_the_same_layout(tensor):
    rebuilt, node = _to_worker(tensor)
    assert torch.equal(rebuilt, tensor) and rebuilt.dtype == tensor.dtype
    assert rebuilt.stride() == tensor.stride() and not rebuilt.is_contiguous()
    assert set(node) == {"$array", "dtype", "shape", "layout"}


def test_contiguous_tensors_travel_as_before():
    rebuilt, node = _to_worker(st.random_tensor((2, 3), 6))
    assert set(node) == {"$array", "dtype", "shape"} and rebuilt.is_contiguous()


def test_the_trusted_side_never_accepts_a_layout_from_the_worker():
    header, buffers = protocol.pack({"v": st.with_layout(st.random_tensor((2, 3), 7), "transposed")},
                                    array_hook=client._to_wire)
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(header["v"], buffers)  # the client's default: layouts=False


def _node(layout, size=12):
    return {"$array": 0, "dtype": "float64", "shape": [size], "layout": layout}, [np.zeros(size).tobytes()]


@pytest.mark.parametrize("layout", [
    {"shape": [3, 5], "strides": [4, 1], "offset": 0},       # reaches element 12 of 12
    {"shape": [2, 2], "strides": [1, -1], "offset": 4},       # negative stride
    {"shape": [2, 2], "strides": [1, 1], "offset": -1},
    {"shape": [2, 2], "strides": [1], "offset": 0},           # lengths differ
    {"shape": [2, True], "strides": [1, 1], "offset": 0},     # a bool is not a size
    {"shape": [2, 2], "strides": [1, 1.5], "offset": 0},
    {"shape": [2, 2], "strides": [1, 1], "offset": 0, "x": 1},
    {"shape": [2**40], "strides": [0], "offset": 0},          # a view far larger than any message
    {"shape": [1] * 17, "strides": [0] * 17, "offset": 0},
    [2, 2],
    None,
])
def test_a_malformed_layout_is_refused(layout):
    node, buffers = _node(layout)
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(node, buffers, layouts=True)


def test_a_layout_needs_a_flat_base_and_is_checked_before_sending():
    node, buffers = _node({"shape": [2, 2], "strides": [2, 1], "offset": 0})
    node["shape"] = [3, 4]
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(node, buffers, layouts=True)
    with pytest.raises(ValueError):
        protocol.StridedArray(np.zeros(4), (3, 3), (3, 1), 0)
