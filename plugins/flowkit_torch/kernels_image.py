"""PyTorch kernels of :mod:`flowkit.ops.image_ops` (see the NumPy kernels' docstring: the
resize is ``Wh @ image @ Ww^T`` with per-axis interpolation matrices, computed on the host
in float32 with TF's coordinate mapping)."""
from __future__ import annotations

import numpy as np
import torch

from flowkit import plugins
from flowkit.backend import KernelTable, resize_weights
from flowkit_torch._common import host_ints

KERNELS = KernelTable()


def _w(in_size, out_size, attrs, nearest, like, dtype=torch.float32):
    return torch.from_numpy(resize_weights(in_size, out_size, attrs, nearest)).to(
        device=like.device, dtype=dtype)


def _check_input(images, size):
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise ValueError(f"input image must be of non-zero size, got shape "
                         f"{tuple(images.shape)}")
    size = host_ints(size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"output dimensions must be positive, got size {size}")
    return size


def _apply(x, wh, ww):
    return torch.einsum("oh,bhwc,pw->bopc", wh, x, ww)


@KERNELS.register("ResizeBilinear")
def _resize_bilinear(attrs, images, size):
    oh, ow = _check_input(images, size)
    wh = _w(images.shape[1], oh, attrs, False, images)
    ww = _w(images.shape[2], ow, attrs, False, images)
    return _apply(images.to(torch.float32), wh, ww).contiguous()


@KERNELS.register("ResizeNearestNeighbor")
def _resize_nearest(attrs, images, size):
    oh, ow = _check_input(images, size)
    rows = torch.from_numpy(resize_weights(images.shape[1], oh, attrs, True).argmax(1))
    cols = torch.from_numpy(resize_weights(images.shape[2], ow, attrs, True).argmax(1))
    return images[:, rows.to(images.device)][:, :, cols.to(images.device)].contiguous()


@KERNELS.register("ResizeBilinearGrad")
def _resize_bilinear_grad(attrs, grads, original):
    wh = _w(original.shape[1], grads.shape[1], attrs, False, grads)
    ww = _w(original.shape[2], grads.shape[2], attrs, False, grads)
    return _apply(grads.to(torch.float32), wh.T, ww.T).to(original.dtype).contiguous()


@KERNELS.register("ResizeNearestNeighborGrad")
def _resize_nearest_grad(attrs, grads, size):
    h, w = host_ints(size)
    wh = _w(h, grads.shape[1], attrs, True, grads, grads.dtype)
    ww = _w(w, grads.shape[2], attrs, True, grads, grads.dtype)
    return _apply(grads, wh.T, ww.T).contiguous()


@KERNELS.register("NonMaxSuppressionWithOverlaps")
def _nms(attrs, overlaps, scores, max_output_size, threshold, score_threshold):
    """Greedy selection (see the NumPy kernel), on the host: the loop is sequential."""
    k, thr = host_ints(max_output_size)[0], float(threshold)
    if k < 0:
        raise ValueError(f"max_output_size must be >= 0, got {k}")
    n = scores.shape[0]
    if tuple(overlaps.shape) != (n, n):
        raise ValueError(f"overlaps must be a square matrix with one row per score, got "
                         f"shape {tuple(overlaps.shape)} for {n} scores")
    ov, sc = overlaps.detach().cpu(), scores.detach().cpu()
    kept = []
    for i in torch.sort(-sc, stable=True).indices.tolist():
        if len(kept) >= k:
            break
        if float(sc[i]) > float(score_threshold) and all(float(ov[i, j]) <= thr for j in kept):
            kept.append(i)
    return torch.tensor(kept, dtype=torch.int32, device=scores.device)


# --------------------------------------------------------------------------------------------
# flowkit.ops.image_detect_ops: greedy loops over boxes in Python, on the host either way, so
# these run the NumPy backend's kernels (asked of the plugin manager: plugins never import
# each other) and bring the results back to the inputs' device.
# --------------------------------------------------------------------------------------------
def _on_numpy(op_type):
    def kernel(attrs, *xs):
        dev = next(x.device for x in xs if isinstance(x, torch.Tensor))
        out = plugins.get_backend("numpy").kernels[op_type](
            attrs, *[x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x for x in xs])
        return tuple(torch.from_numpy(np.ascontiguousarray(o)).to(dev) for o in out)
    kernel.__name__ = f"_{op_type}_on_numpy"
    return kernel


KERNELS.update({op_type: _on_numpy(op_type) for op_type in
                ("CombinedNonMaxSuppression", "GenerateBoundingBoxProposals")})
