"""What the summary ops compute: serialized ``Summary`` protocol buffers, as TF1's kernels do.

Each function takes NumPy arrays and returns the bytes of one ``Summary`` (built with the
``tensorboard`` package's ``summary_pb2``), with TF1's tags, checks and encodings:

* scalars: one ``simple_value`` (a 32-bit float) per tag;
* histograms: TF1's buckets (edges growing by 10% from 1e-12 to 1e20, mirrored, around 0;
  runs of empty buckets merged), ``min``/``max``/``num``/``sum``/``sum_squares``; a NaN or an
  infinity is an error naming the tag;
* images: PNG, 8 bits per channel; float images are scaled into [0, 255] (by ``255 / max``
  when no value is negative, else by ``127 / max|x|`` around 128) with non-finite pixels
  painted ``bad_color``; tags ``tag/image`` or ``tag/image/<i>`` when ``max_outputs > 1``;
* audio: 16-bit PCM WAV; tags ``tag/audio`` or ``tag/audio/<i>``;
* tensors (``tensor_summary``, ``text``): the tensor as a ``TensorProto`` and the metadata;
* merge: the values of every input, a tag used twice being an error.

The kernels of both backends call these (the torch kernels convert their inputs to NumPy
first): a summary is data for a file, computed on the CPU.
"""
from __future__ import annotations

import struct
import sys
import zlib

import numpy as np

from flowkit.framework.graph_def import make_tensor_proto


def _text(tag) -> str:
    return tag.decode("utf-8") if isinstance(tag, bytes) else str(tag)


def scalar(protos, tags, values) -> bytes:
    """``ScalarSummary``: one value per tag; ``tags`` and ``values`` have the same shape."""
    tags, values = np.asarray(tags, dtype=object), np.asarray(values)
    if tags.shape != values.shape:
        raise ValueError(f"tags and values are not the same shape: {list(tags.shape)} != "
                         f"{list(values.shape)}")
    s = protos.summary_pb2.Summary()
    for tag, v in zip(tags.reshape(-1), values.reshape(-1)):
        s.value.add(tag=_text(tag), simple_value=float(np.float32(v)))
    return s.SerializeToString()


def _default_bucket_limits() -> np.ndarray:
    pos, v = [], 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(sys.float_info.max)
    return np.array([-x for x in reversed(pos)] + [0.0] + pos)


_LIMITS = _default_bucket_limits()


def histogram_proto(protos, values, tag):
    """TF1's ``HistogramProto`` of ``values`` (``histogram.cc``, zero buckets dropped)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size and not np.isfinite(x).all():
        bad = "Nan" if np.isnan(x).any() else "Infinity"
        raise ValueError(f"{bad} in summary histogram for: {tag}")
    counts = np.bincount(np.searchsorted(_LIMITS, x, side="right"), minlength=len(_LIMITS))
    h = protos.summary_pb2.HistogramProto(
        min=float(x.min()) if x.size else float(_LIMITS[-1]),
        max=float(x.max()) if x.size else -sys.float_info.max, num=float(x.size),
        sum=float(np.cumsum(x)[-1]) if x.size else 0.0,
        sum_squares=float(np.cumsum(x * x)[-1]) if x.size else 0.0)
    i, n = 0, len(_LIMITS)
    while i < n:
        end, count = _LIMITS[i], counts[i]
        i += 1
        if count <= 0:        # a run of empty buckets becomes one
            while i < n and counts[i] <= 0:
                end, count = _LIMITS[i], counts[i]
                i += 1
        h.bucket_limit.append(float(end))
        h.bucket.append(float(count))
    return h


def histogram(protos, tag, values) -> bytes:
    """``HistogramSummary``: one histogram of all of ``values``."""
    tag = _text(np.asarray(tag, dtype=object).reshape(-1)[0])
    s = protos.summary_pb2.Summary()
    s.value.add(tag=tag).histo.CopyFrom(histogram_proto(protos, values, tag))
    return s.SerializeToString()


# -- images ------------------------------------------------------------------------------------
def png(pixels: np.ndarray) -> bytes:
    """A PNG file of an ``[h, w, channels]`` uint8 array (1: gray, 3: RGB, 4: RGBA)."""
    h, w, c = pixels.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + pixels[r].tobytes() for r in range(h))   # filter 0 per row

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def _to_uint8(img: np.ndarray, bad_color: np.ndarray) -> np.ndarray:
    """TF1's ``NormalizeFloatImage`` for one ``[h, w, depth]`` image."""
    work = np.float64 if img.dtype == np.float64 else np.float32
    x = img.astype(work)
    finite = np.isfinite(x).all(axis=-1)
    good = x[finite]
    lo = good.min() if good.size else np.inf
    hi = good.max() if good.size else -np.inf
    if lo < 0:
        top = max(abs(lo), abs(hi))
        scale, offset = (0.0 if top < 1e-6 else work(127.0) / work(top)), 128.0
    else:
        scale, offset = (0.0 if hi < 1e-6 else work(255.0) / work(hi)), 0.0
    out = np.clip(np.trunc(x * work(scale) + work(offset)), 0, 255).astype(np.uint8)
    out[~finite] = bad_color[:img.shape[-1]]
    return out


def image(protos, tag, tensor, max_images, bad_color) -> bytes:
    """``ImageSummary``: the first ``max_images`` images of a ``[batch, h, w, c]`` tensor."""
    tag = _text(np.asarray(tag, dtype=object).reshape(-1)[0])
    t = np.asarray(tensor)
    if t.ndim != 4 or t.shape[-1] not in (1, 3, 4):
        raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {list(t.shape)}")
    s = protos.summary_pb2.Summary()
    _, h, w, depth = t.shape
    for i in range(min(int(max_images), t.shape[0])):
        pixels = t[i] if t.dtype == np.uint8 else _to_uint8(t[i], np.asarray(bad_color))
        v = s.value.add(tag=f"{tag}/image/{i}" if max_images > 1 else f"{tag}/image")
        v.image.height, v.image.width, v.image.colorspace = h, w, depth
        v.image.encoded_image_string = png(np.ascontiguousarray(pixels, dtype=np.uint8))
    return s.SerializeToString()


# -- audio -------------------------------------------------------------------------------------
def wav(samples: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV file of ``[frames, channels]`` floats in [-1, 1] (TF1's
    ``EncodeAudioAsS16LEWav``: ``round(x * 32768)`` clipped to int16)."""
    frames, channels = samples.shape
    y = samples.astype(np.float32) * np.float32(32768.0)
    y = np.sign(y) * np.floor(np.abs(y) + np.float32(0.5))       # roundf: halves away from 0
    pcm = np.clip(y, -32768, 32767).astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, 1,
                         channels, sample_rate, sample_rate * channels * 2, channels * 2, 16,
                         b"data", len(pcm))
    return header + pcm


def audio(protos, tag, tensor, sample_rate, max_outputs) -> bytes:
    """``AudioSummaryV2``: the first ``max_outputs`` clips of ``[batch, frames(, channels)]``."""
    tag = _text(np.asarray(tag, dtype=object).reshape(-1)[0])
    t = np.asarray(tensor, dtype=np.float32)
    rate = float(np.asarray(sample_rate))
    if t.ndim not in (2, 3):
        raise ValueError(f"Tensor must be 2-D or 3-D ([batch, frames] or [batch, frames, "
                         f"channels]), not {list(t.shape)}")
    if not rate > 0:
        raise ValueError(f"sample_rate must be > 0, got {rate}")
    t = t.reshape(t.shape[0], t.shape[1], -1) if t.ndim == 3 else t[:, :, None]
    s = protos.summary_pb2.Summary()
    for i in range(min(int(max_outputs), t.shape[0])):
        v = s.value.add(tag=f"{tag}/audio/{i}" if max_outputs > 1 else f"{tag}/audio")
        a = v.audio
        a.sample_rate, a.num_channels, a.length_frames = rate, t.shape[2], t.shape[1]
        a.content_type = "audio/wav"
        a.encoded_audio_string = wav(t[i], max(int(np.rint(np.float32(rate))), 1))
    return s.SerializeToString()


# -- tensors and merging -----------------------------------------------------------------------
def tensor(protos, tag, values, serialized_metadata) -> bytes:
    """``TensorSummaryV2``: the tensor itself (strings in ``string_val``, numbers as
    ``tensor_content``) with the summary's metadata."""
    tag = _text(np.asarray(tag, dtype=object).reshape(-1)[0])
    meta = np.asarray(serialized_metadata, dtype=object).reshape(-1)[0]
    s = protos.summary_pb2.Summary()
    v = s.value.add(tag=tag)
    arr = np.asarray(values)
    v.tensor.CopyFrom(make_tensor_proto(arr, protos, tensor_content=arr.dtype.kind not in "OUS"))
    v.metadata.ParseFromString(meta if isinstance(meta, bytes) else str(meta).encode("utf-8"))
    return s.SerializeToString()


def merge(protos, *inputs) -> bytes:
    """``MergeSummary``: every value of every input summary; a tag seen twice is an error."""
    out, seen = protos.summary_pb2.Summary(), set()
    for x in inputs:
        for data in np.asarray(x, dtype=object).reshape(-1):
            part = protos.summary_pb2.Summary()
            try:
                part.ParseFromString(data if isinstance(data, bytes) else
                                     str(data).encode("utf-8"))
            except Exception:  # noqa: BLE001 - protobuf's DecodeError and friends
                raise ValueError("Could not parse one of the summary inputs") from None
            for v in part.value:
                if v.tag and v.tag in seen:
                    raise ValueError(f"Duplicate tag {v.tag} found in summary inputs")
                seen.add(v.tag)
                out.value.add().CopyFrom(v)
    return out.SerializeToString()
