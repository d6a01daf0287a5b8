"""Conformance cases of :mod:`flowkit.ops.image_detect_ops` (see :mod:`flowkit.testing_cases`).

``CombinedNonMaxSuppression`` and ``GenerateBoundingBoxProposals`` are not differentiable;
``extract_glimpse`` is a composition whose noise is random, so its case keeps the window
inside the image (the noise is drawn but not shown) and checks no gradient."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import image_detect_ops as det

_r = np.random.default_rng(4242)


def _anchors(h, w, sizes, stride=8.0):
    ys, xs = np.meshgrid(np.arange(h) * stride, np.arange(w) * stride, indexing="ij")
    centre = np.stack([ys, xs], -1)[:, :, None]
    sizes = np.asarray(sizes, np.float32)
    return np.concatenate([centre - sizes / 2, centre + sizes / 2], -1).reshape(
        h, w, 4 * len(sizes)).astype(np.float32)


CASES = [
    Case("CombinedNonMaxSuppression",
         lambda b, s: det.combined_non_max_suppression(b, s, 3, 7, 0.4, 0.2),
         [_r.uniform(-0.1, 1.1, (2, 8, 3, 4)).astype(np.float32),
          _r.uniform(0, 1, (2, 8, 3)).astype(np.float32)]),
    Case("CombinedNonMaxSuppression-shared-boxes",
         lambda b, s: det.combined_non_max_suppression(b, s, 2, 9, 0.5, pad_per_class=True,
                                                       clip_boxes=False),
         [_r.uniform(-0.1, 1.1, (1, 6, 1, 4)).astype(np.float32),
          _r.uniform(0, 1, (1, 6, 4)).astype(np.float32)]),
    Case("GenerateBoundingBoxProposals",
         lambda s, d, i, a: det.generate_bounding_box_proposals(
             s, d, i, a, nms_threshold=0.6, pre_nms_topn=30, min_size=5, post_nms_topn=20),
         [_r.uniform(0, 1, (2, 3, 4, 2)).astype(np.float32),
          _r.normal(0, 0.3, (2, 3, 4, 8)).astype(np.float32),
          np.array([[24, 30, 1, 0, 0], [20, 32, 0.5, 0, 0]], np.float32),
          _anchors(3, 4, [[8, 8], [12, 20]])]),
    Case("extract_glimpse",
         lambda x, o: det.extract_glimpse(x, [3, 4], o, centered=False, normalized=False),
         [_r.uniform(0, 1, (2, 6, 7, 2)).astype(np.float32),
          np.array([[2.5, 3.0], [4.2, 4.9]], np.float32)]),
]
