"""tf.image's detection helpers: combined_non_max_suppression and extract_glimpse against
tf.compat.v1 on every backend (the glimpse's noise by range and statistics), and
generate_bounding_box_proposals (TF has its kernel for GPUs only) on hand-worked cases, by its
invariants, and against TF where TF can run it."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import image_detect_ops as det

RNG = np.random.default_rng(23)
BOXES_Q1 = RNG.uniform(0, 1, (2, 9, 1, 4)).astype(np.float32) * [1, 1, 1.3, 1.3] - 0.1
BOXES_Q3 = RNG.uniform(-0.1, 1.1, (2, 9, 3, 4)).astype(np.float32)
SCORES = RNG.uniform(0, 1, (2, 9, 3)).astype(np.float32)
GLIMPSE_IMG = RNG.uniform(1, 2, (2, 5, 6, 3)).astype(np.float32)
GLIMPSE_IMG[1] += 5.0
OFFSETS = np.array([[0.3, -0.45], [1.5, 2.7], [-1.2, 4.49], [-0.5, -0.51], [2.5, 3.5],
                    [0.0, 0.0], [0.9, -0.9], [-2.0, 6.0]], np.float32).reshape(4, 2, 2)

COMBINED = [dict(boxes=BOXES_Q1, mpc=3, total=5, iou=0.5),
            dict(boxes=BOXES_Q3, mpc=2, total=4, iou=0.3, clip_boxes=False),
            dict(boxes=BOXES_Q3, mpc=4, total=20, iou=0.4, score_threshold=0.35),
            dict(boxes=BOXES_Q1, mpc=2, total=20, iou=0.6, pad_per_class=True),
            dict(boxes=BOXES_Q3, mpc=3, total=7, iou=0.2, pad_per_class=True,
                 clip_boxes=False),
            dict(boxes=BOXES_Q1.astype(np.float64), mpc=9, total=30, iou=1.0,
                 score_threshold=0.5)]


def _combined(image, cfg, scores=SCORES):
    kw = {k: v for k, v in cfg.items() if k not in ("boxes", "mpc", "total", "iou")}
    return image.combined_non_max_suppression(cfg["boxes"], scores.astype(cfg["boxes"].dtype),
                                              cfg["mpc"], cfg["total"], cfg["iou"], **kw)


def test_exported():
    assert tf.image.combined_non_max_suppression is det.combined_non_max_suppression
    assert tf.image.extract_glimpse is det.extract_glimpse
    assert tf.image.generate_bounding_box_proposals is det.generate_bounding_box_proposals


def test_combined_nms_against_tf1(tf1, session):
    with tf1.Graph().as_default():
        want = tf1.Session().run([_combined(tf1.image, c) for c in COMBINED])
    outs = [det.combined_non_max_suppression(
        c["boxes"], SCORES.astype(c["boxes"].dtype), c["mpc"], c["total"], c["iou"],
        **{k: v for k, v in c.items() if k not in ("boxes", "mpc", "total", "iou")})
        for c in COMBINED]
    for out, w in zip(outs, want):
        assert [t.shape.as_list() for t in out] == [list(x.shape) for x in w]
    got = session().run(outs)
    for g, w in zip(got, want):
        for a, b in zip(g, w):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert any(w[3].min() < w[1].shape[1] for w in want)      # some padding is exercised


def test_combined_nms_dynamic_sizes(tf1, session):
    mpc, total = tf.placeholder(tf.int32, []), tf.placeholder(tf.int32, [])
    out = det.combined_non_max_suppression(BOXES_Q3, SCORES, mpc, total, 0.3,
                                           pad_per_class=True)
    assert out[0].shape.as_list() == [2, None, 4] and out[3].shape.as_list() == [2]
    with tf1.Graph().as_default():
        p, q = tf1.placeholder(tf1.int32, []), tf1.placeholder(tf1.int32, [])
        w = tf1.image.combined_non_max_suppression(BOXES_Q3, SCORES, p, q, 0.3,
                                                   pad_per_class=True)
        want = [tf1.Session().run(w, {p: a, q: b}) for a, b in [(1, 10), (4, 5)]]
    sess = session()
    for (a, b), wv in zip([(1, 10), (4, 5)], want):
        got = sess.run(out, {mpc: a, total: b})
        assert got[0].shape == wv[0].shape
        for g, x in zip(got, wv):
            np.testing.assert_allclose(g, x, rtol=1e-6)


def test_combined_nms_errors(session):
    sess = session()
    thr, total = tf.placeholder(tf.float32, []), tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="iou_threshold"):
        sess.run(det.combined_non_max_suppression(BOXES_Q1, SCORES, 2, 4, thr)[3], {thr: 1.5})
    with pytest.raises(tf.errors.InvalidArgumentError, match="max_total_size"):
        sess.run(det.combined_non_max_suppression(BOXES_Q1, SCORES, 2, total, 0.5)[3],
                 {total: 0})
    with pytest.raises(ValueError, match="must be 1 or the number of classes"):
        det.combined_non_max_suppression(BOXES_Q3[:, :, :2], SCORES, 2, 4)
    with pytest.raises(ValueError, match="max_total_size must be > 0"):
        det.combined_non_max_suppression(BOXES_Q1, SCORES, 2, 0)
    with pytest.raises(ValueError, match="max_output_size_per_class must be > 0"):
        det.combined_non_max_suppression(BOXES_Q1, SCORES, -1, 3)
    with pytest.raises(ValueError, match=r"iou_threshold must be in \[0, 1\]"):
        det.combined_non_max_suppression(BOXES_Q1, SCORES, 2, 3, iou_threshold=1.2)
    with pytest.raises(ValueError, match="agree on batch_size and num_boxes"):
        det.combined_non_max_suppression(BOXES_Q1, SCORES[:, :5], 2, 3)


def _glimpse_cfgs():
    for centered in (True, False):
        for normalized in (True, False):
            for size, offs in zip([(3, 4), (2, 2), (6, 9), (1, 5)], OFFSETS):
                yield dict(size=size, offsets=offs, centered=centered, normalized=normalized)


def test_extract_glimpse_against_tf1(tf1, session):
    """TF's noise cannot be reproduced: the pixels inside the image are compared exactly
    (located with TF's raw op and zero noise), the rest must lie within the image's range.
    A constant image makes the noise exact, so whole windows are compared too."""
    cfgs = list(_glimpse_cfgs())
    const = np.stack([np.full((5, 6, 2), 3.5), np.full((5, 6, 2), -1.25)]).astype(np.float32)
    with tf1.Graph().as_default():
        zero = [tf1.raw_ops.ExtractGlimpse(input=GLIMPSE_IMG, noise="zero", uniform_noise=False,
                                           **c) for c in cfgs]
        full = [tf1.image.extract_glimpse(const, uniform_noise=u, **c)
                for c in cfgs for u in (True, False)]
        want_zero, want_full = tf1.Session().run([zero, full])
    got = [det.extract_glimpse(GLIMPSE_IMG, **c) for c in cfgs]
    got_full = [det.extract_glimpse(const, uniform_noise=u, **c)
                for c in cfgs for u in (True, False)]
    assert got[0].shape.as_list() == [2, 3, 4, 3]
    got, got_full = session().run([got, got_full])
    inside = 0
    for g, w in zip(got, want_zero):
        assert g.shape == w.shape and g.dtype == np.float32
        mask = w != 0
        inside += mask.sum()
        np.testing.assert_array_equal(g[mask], w[mask])
        for b in range(2):
            lo, hi = GLIMPSE_IMG[b].min(), GLIMPSE_IMG[b].max()
            noise = g[b][~mask[b]]
            assert np.all((noise >= lo) & (noise <= hi))
    assert 0 < inside < sum(w.size for w in want_zero)        # both parts are exercised
    for g, w in zip(got_full, want_full):
        np.testing.assert_array_equal(g, w)


def test_extract_glimpse_noise_statistics(session):
    out = det.extract_glimpse(GLIMPSE_IMG, [60, 70], [[0.0, 0.0], [0.5, 0.5]])
    dynamic = tf.placeholder(tf.int32, [2])
    assert det.extract_glimpse(GLIMPSE_IMG, dynamic, [[0.0, 0.0]] * 2).shape.as_list() == \
        [2, None, None, 3]
    v = session().run(out)
    assert v.shape == (2, 60, 70, 3)
    np.testing.assert_array_equal(v[0, 27:32, 32:38], GLIMPSE_IMG[0])   # the image, centred
    for b in range(2):
        lo, hi = GLIMPSE_IMG[b].min(), GLIMPSE_IMG[b].max()
        noise = v[b, :20].ravel()                    # rows above the image: all noise
        assert noise.min() >= lo and noise.max() <= hi
        # uniform over the whole image's range, whatever the channel
        for c in range(3):
            n = v[b, :20, :, c].ravel()
            assert abs(n.mean() - (lo + hi) / 2) < 0.05 * (hi - lo)
            assert abs(n.std() - (hi - lo) / np.sqrt(12)) < 0.05 * (hi - lo)
    assert not np.array_equal(v[0, :20], v[1, :20] - 5.0)


def test_extract_glimpse_errors():
    with pytest.raises(ValueError, match="4-D"):
        det.extract_glimpse(GLIMPSE_IMG[0], [2, 2], [[0.0, 0.0]])
    with pytest.raises(ValueError, match="2 elements"):
        det.extract_glimpse(GLIMPSE_IMG, [2, 2, 2], [[0.0, 0.0]] * 2)
    with pytest.raises(ValueError, match="positive"):
        det.extract_glimpse(GLIMPSE_IMG, [0, 2], [[0.0, 0.0]] * 2)
    with pytest.raises(ValueError, match=r"\[batch_size, 2\]"):
        det.extract_glimpse(GLIMPSE_IMG, [2, 2], [[0.0, 0.0, 1.0]] * 2)
    with pytest.raises(ValueError, match="same batch size"):
        det.extract_glimpse(GLIMPSE_IMG, [2, 2], [[0.0, 0.0]] * 3)


# --------------------------------------------------------------------------------------------
# generate_bounding_box_proposals
# --------------------------------------------------------------------------------------------
# One row of two positions with two anchors each: a0, a1 at (0, 0), a2, a3 at (0, 1).
ANCHORS = np.array([[[0, 0, 10, 10, 5, 5, 15, 25], [2, 2, 6, 4, 0, 20, 10, 40]]], np.float32)
P_SCORES = np.array([[[[0.9, 0.2], [0.5, 0.7]]]], np.float32)
DELTAS = np.zeros((1, 1, 2, 8), np.float32)
DELTAS[0, 0, 0, 4:] = [0.1, 0.0, 0.0, np.log(2.0)]     # a1: centre y + 1, width doubled
INFO = np.array([[20, 30, 1, 0, 0]], np.float32)


def _proposals(**kw):
    args = dict(scores=P_SCORES, bbox_deltas=DELTAS, image_info=INFO, anchors=ANCHORS,
                nms_threshold=0.5, min_size=3, post_nms_topn=4)
    args.update(kw)
    return det.generate_bounding_box_proposals(**args)


def test_proposals_worked_example(session):
    # By decreasing score: a0 [0,0,10,10]; a3 [0,20,10,40] clipped to width 30;
    # a2 [2,2,6,4] is 2 wide < min_size 3; a1 becomes y 6..16, x -5..35 -> [6,0,16,30],
    # whose IoU with a0 and with a3 is 40 / 360.
    a0, a3, a1 = [0, 0, 10, 10], [0, 20, 10, 30], [6, 0, 16, 30]
    cases = {"all": (_proposals(), [a0, a3, a1], [0.9, 0.7, 0.2]),
             "pre_nms_topn": (_proposals(pre_nms_topn=2), [a0, a3], [0.9, 0.7]),
             "nms": (_proposals(nms_threshold=0.1), [a0, a3], [0.9, 0.7]),
             "min_size": (_proposals(min_size=1), [a0, a3, [2, 2, 6, 4], a1],
                          [0.9, 0.7, 0.5, 0.2]),
             "scale": (_proposals(min_size=1, image_info=INFO * [1, 1, 3, 1, 1]),
                       [a0, a3, a1], [0.9, 0.7, 0.2]),
             "post_nms_topn": (_proposals(post_nms_topn=1), [a0], [0.9])}
    assert cases["all"][0][0].shape.as_list() == [1, 4, 4]
    got = session().run({k: v[0] for k, v in cases.items()})
    for key, (_, boxes, probs) in cases.items():
        rois, p = got[key]
        k = len(probs)
        np.testing.assert_allclose(rois[0, :k], boxes, rtol=1e-5, atol=1e-5, err_msg=key)
        np.testing.assert_allclose(p[0, :k], probs, err_msg=key)
        assert not rois[0, k:].any() and not p[0, k:].any(), key


def test_proposals_delta_clip_and_batch(session):
    """dw, dh are capped at log(1000 / 16); each image is clipped to its own size."""
    deltas = np.zeros((2, 1, 2, 8), np.float32)
    deltas[:, 0, 1, :4] = [0.0, 0.25, 10.0, 20.0]         # a2: moved right, huge growth
    scores = np.concatenate([P_SCORES, P_SCORES])
    info = np.array([[20, 30, 1, 0, 0], [200, 300, 1, 0, 0]], np.float32)
    rois, probs = session().run(_proposals(scores=scores, bbox_deltas=deltas, image_info=info,
                                           nms_threshold=1.0))
    # a2 (h 4, w 2, centre (4, 3.5)) grows by 62.5 on both sides: y 4 +- 125, x 3.5 +- 62.5.
    big = [[0, 0, 20, 30], [0, 0, 129, 66]]
    for b in range(2):
        i = int(np.argmin(np.abs(probs[b] - 0.5)))
        np.testing.assert_allclose(rois[b, i], big[b], rtol=1e-5)
    assert rois[0].max() <= 30 and rois[1].max() <= 300 and (rois >= 0).all()


def test_proposals_random_invariants(session):
    r = np.random.default_rng(5)
    n, h, w, a = 2, 4, 5, 3
    scores = r.uniform(0, 1, (n, h, w, a)).astype(np.float32)
    deltas = r.normal(0, 0.3, (n, h, w, 4 * a)).astype(np.float32)
    ys, xs = np.meshgrid(np.arange(h) * 8.0, np.arange(w) * 8.0, indexing="ij")
    sizes = np.array([[8, 8], [16, 8], [8, 24]], np.float32)
    anchors = np.concatenate([np.stack([ys, xs], -1)[:, :, None] - sizes / 2,
                              np.stack([ys, xs], -1)[:, :, None] + sizes / 2], -1)
    anchors = anchors.reshape(h, w, 4 * a).astype(np.float32)
    info = np.array([[30, 36, 1, 0, 0], [25, 40, 0.5, 0, 0]], np.float32)
    rois, probs = session().run(det.generate_bounding_box_proposals(
        scores, deltas, info, anchors, nms_threshold=0.6, pre_nms_topn=40, min_size=6,
        post_nms_topn=50))
    assert rois.shape == (2, 50, 4) and probs.shape == (2, 50)
    for b in range(n):
        k = int((probs[b] > 0).sum())
        assert 0 < k <= 40 and not rois[b, k:].any()
        p, bx = probs[b, :k], rois[b, :k]
        assert np.all(np.diff(p) < 0)                          # by decreasing score
        top = np.sort(scores[b].ravel())[::-1][:40]
        assert np.isin(p, top).all()                           # from the pre_nms_topn best
        assert (bx[:, 2:] <= info[b, :2]).all() and (bx >= 0).all()
        assert (np.min(bx[:, 2:] - bx[:, :2], 1) >= 6 * info[b, 2] - 1e-4).all()
        iy = np.minimum(bx[:, None, 2], bx[None, :, 2]) - np.maximum(bx[:, None, 0],
                                                                     bx[None, :, 0])
        ix = np.minimum(bx[:, None, 3], bx[None, :, 3]) - np.maximum(bx[:, None, 1],
                                                                     bx[None, :, 1])
        inter = np.clip(iy, 0, None) * np.clip(ix, 0, None)
        area = np.prod(bx[:, 2:] - bx[:, :2], 1)
        iou = inter / (area[:, None] + area[None] - inter)
        assert (iou[~np.eye(k, dtype=bool)] <= 0.6 + 1e-6).all()   # survivors overlap little


def test_proposals_against_tf1_where_available(tf1, session):
    """TF registers this op's kernel for GPUs only: skipped unless TF can run it."""
    with tf1.Graph().as_default():
        out = tf1.image.generate_bounding_box_proposals(P_SCORES, DELTAS, INFO, ANCHORS,
                                                        nms_threshold=0.5, min_size=3,
                                                        post_nms_topn=4)
        try:
            want = tf1.Session().run(out)
        except tf1.errors.InvalidArgumentError as e:
            if "No OpKernel" not in str(e):
                raise
            pytest.skip("TensorFlow has no kernel for GenerateBoundingBoxProposals here")
    got = session().run(_proposals())
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_proposals_errors(session):
    with pytest.raises(ValueError, match="post_nms_topn must be > 0"):
        _proposals(post_nms_topn=0)
    with pytest.raises(ValueError, match="nms_threshold"):
        _proposals(nms_threshold=1.5)
    with pytest.raises(ValueError, match="4 values per anchor"):
        _proposals(bbox_deltas=DELTAS[..., :6])
    with pytest.raises(ValueError, match=r"image_info must be of shape \[num_images, 5\]"):
        _proposals(image_info=INFO[:, :4])
    with pytest.raises(ValueError, match="anchors"):
        _proposals(anchors=ANCHORS[:, :1])
    pre = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="pre_nms_topn"):
        session().run(_proposals(pre_nms_topn=pre)[0], {pre: 0})
