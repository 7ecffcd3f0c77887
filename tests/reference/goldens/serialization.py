"""safetensors goldens.

* serialization_from_pytorch.safetensors + .json: torch tensors of many dtypes written as safetensors,
  and their values after PyTorch's own conversion to float32 (what the engine should load).
* serialization_expected.safetensors + .json: float32 tensors (with awkward names, a rank-0 and an
  empty tensor, special values and metadata) and the exact bytes the reference writer produces for
  them; the engine must write the same bytes.

The `safetensors` Python package is not importable from this interpreter, so this script writes the
format itself, following the specification and the reference (Rust) writer exactly: an 8-byte
little-endian header length, then compact UTF-8 JSON (serde_json style: no spaces, non-ASCII kept
raw, only quote, backslash and control characters escaped, which is json.dumps(ensure_ascii=False)),
"__metadata__" first, tensors sorted by name (ordinal over UTF-8 bytes, i.e. Rust String order) with
contiguous data_offsets, the header padded with spaces to a multiple of 8 bytes, then raw
little-endian data. (The reference sorts by dtype alignment before name; for the all-F32 expected
file that is the same order. Its metadata is a hash map with no defined order; we sort its keys.)

If the engine tests have run, they leave serialization_engine_written.safetensors in their output
folder; generate() then reads that file back with torch.frombuffer and checks it against the inputs.
"""
import glob
import json
import os
import struct
import sys

import torch

from .common import t, write

HERE = os.path.dirname(os.path.abspath(__file__))

# name, numpy little-endian dtype string (bfloat16 has none: its raw bits are written as int16)
DTYPES = {
    torch.float32: ("F32", "<f4"),
    torch.float64: ("F64", "<f8"),
    torch.float16: ("F16", "<f2"),
    torch.bfloat16: ("BF16", None),
    torch.int64: ("I64", "<i8"),
    torch.int32: ("I32", "<i4"),
    torch.int16: ("I16", "<i2"),
    torch.int8: ("I8", "|i1"),
    torch.uint8: ("U8", "|u1"),
    torch.bool: ("BOOL", "|b1"),
}


def utf8(name):
    return name.encode("utf-8")


def raw(x):
    x = x.detach().contiguous()
    if x.dtype == torch.bfloat16:
        return x.view(torch.int16).numpy().astype("<i2").tobytes()
    return x.numpy().astype(DTYPES[x.dtype][1]).tobytes()


def serialize(tensors, metadata=None):
    header = {}
    if metadata is not None:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=utf8)}
    offset, chunks = 0, []
    for name in sorted(tensors, key=utf8):
        x = tensors[name]
        data = raw(x)
        header[name] = {"dtype": DTYPES[x.dtype][0], "shape": list(x.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    h = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def read_f32(path):
    """An independent reader for float32 files, with torch.frombuffer (assumes a little-endian host)."""
    assert sys.byteorder == "little"
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    buffer = data[8 + n:]
    assert sum(e - b for b, e in (v["data_offsets"] for v in header.values())) == len(buffer), "data buffer length"
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        if b == e:
            out[name] = torch.empty(info["shape"], dtype=torch.float32)
        else:
            out[name] = torch.frombuffer(bytearray(buffer[b:e]), dtype=torch.float32).reshape(info["shape"])
    return out, metadata


def from_pytorch():
    g = torch.Generator().manual_seed(11)
    f32 = torch.randn(3, 4, generator=g)
    f32[1, 2] = float("nan")
    f64 = torch.cat([torch.randn(4, generator=g, dtype=torch.float64),
                     torch.tensor([1e300, -1e-50, 0.1, 1.0000000596046448], dtype=torch.float64)])
    f16 = torch.randn(2, 3, generator=g).half()
    f16[0, 1] = float("inf")
    bf16 = torch.randn(5, generator=g).bfloat16()
    bf16[3] = float("nan")
    return {
        "f32": f32,
        "f64": f64,
        "f16": f16,
        "bf16": bf16,
        "i64": torch.tensor([[-3, 0, 2 ** 24], [-(2 ** 24), 2 ** 40, -(2 ** 24 + 2)]], dtype=torch.int64),
        "i32": torch.randint(-1000, 1000, (2, 2, 2), generator=g, dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767, 5], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
        "mask": torch.tensor([True, False, True, True]),
        "scalar_f64": torch.tensor(2.5, dtype=torch.float64),
        "empty_f16": torch.zeros(0, 4, dtype=torch.float16),
        "layers.0.weight": torch.randn(4, 3, generator=g),
    }


def engine_inputs():
    g = torch.Generator().manual_seed(12)
    return {
        "layer.0.weight": torch.randn(4, 3, generator=g),
        "layer.0.bias": torch.randn(4, generator=g),
        "step": torch.tensor(7.0),
        "empty": torch.zeros(0, 3),
        "special": torch.tensor([float("nan"), float("inf"), float("-inf"), -0.0, 1e-45, 3.4e38]),
        "big": torch.randn(16, 8, generator=g),
        "\u00e9": torch.randn(2, generator=g),
        "\uff21": torch.randn(1, generator=g),
        "\U0001f642 smile": torch.randn(2, 1, 2, generator=g),
        "quote\"back\\slash\nnew\tline\x01": torch.randn(3, generator=g),
        "": torch.randn(1, generator=g),
    }


ENGINE_METADATA = {"format": "pt", "note": "h\u00e9llo \"quoted\" \\ \U0001f642", "a\nkey": "x", "\uff21": "", "\U0001f642": "y"}


def verify_engine_written(expected):
    pattern = os.path.join(HERE, "..", "..", "MultiTask.Engine.Tests", "bin", "*", "*", "serialization_engine_written.safetensors")
    found = sorted(glob.glob(pattern))
    if not found:
        print("serialization: no engine-written file yet (run the engine tests first); torch read-back skipped")
    for path in found:
        tensors, metadata = read_f32(path)
        assert metadata == ENGINE_METADATA, metadata
        assert list(tensors) == sorted(expected, key=utf8), list(tensors)
        for name, x in expected.items():
            y = tensors[name]
            assert y.shape == x.shape, (name, y.shape, x.shape)
            assert torch.equal(y.view(torch.int32), x.view(torch.int32)), name
        print(f"serialization: torch read {os.path.relpath(path)} back and it matches bit for bit")


def generate(out_dir):
    tensors = from_pytorch()
    metadata = {"format": "pt"}
    with open(os.path.join(out_dir, "serialization_from_pytorch.safetensors"), "wb") as f:
        f.write(serialize(tensors, metadata))
    cases = [{"name": name, "dtype": DTYPES[x.dtype][0], "value": t(x.to(torch.float32))} for name, x in tensors.items()]
    write(out_dir, "serialization_from_pytorch.json", cases, metadata=metadata)

    inputs = engine_inputs()
    with open(os.path.join(out_dir, "serialization_expected.safetensors"), "wb") as f:
        f.write(serialize(inputs, ENGINE_METADATA))
    cases = [{"name": name, "shape": list(x.shape), "bits": x.reshape(-1).view(torch.int32).tolist()} for name, x in inputs.items()]
    write(out_dir, "serialization_expected.json", cases, metadata=ENGINE_METADATA)

    verify_engine_written(inputs)
