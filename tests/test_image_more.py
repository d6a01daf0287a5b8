"""tf.image for data augmentation: colour adjustments and spaces, crops and pads, bicubic and
area resizes, measures (total variation, PSNR, SSIM), Sobel and image gradients,
crop_and_resize and non-maximum suppression against tf.compat.v1 on every backend; gradients
of the differentiable compositions; the random augmentations by shapes and statistics."""
import functools

import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients

RNG = np.random.default_rng(19)
IMG = RNG.uniform(0, 1, (2, 6, 7, 3)).astype(np.float32)
IMG_U8 = (IMG * 255).astype(np.uint8)
BIG = RNG.uniform(0, 1, (2, 40, 36, 3)).astype(np.float32)
GRAY = RNG.uniform(0, 1, (5, 4, 1)).astype(np.float32)
BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.6, 0.2, 0.1], [-0.2, -0.1, 0.6, 1.3],
                  [0.3, 0.3, 0.3, 0.9]], np.float32)
NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                      [1, 1, 0, 0], [0, 10.1, 1, 11.1], [0, 100, 1, 101], [0, 0, 1, 0.5],
                      [2, 2, 2, 3]], np.float32)
NMS_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.1, 0.8, 0.99], np.float32)
OVERLAPS = RNG.uniform(0, 1, (9, 9)).astype(np.float32)


def _program(lib):
    image = lib.image
    x, xu, big = lib.constant(IMG), lib.constant(IMG_U8), lib.constant(BIG)
    outs = [image.adjust_brightness(x, 0.3), image.adjust_brightness(xu, -0.2),
            image.adjust_contrast(x, 1.7), image.adjust_contrast(xu, 0.4),
            image.adjust_contrast(x[0], 2.0), image.adjust_gamma(x, 0.5, 1.3),
            image.adjust_gamma(xu, 2.0), image.adjust_saturation(x, 1.8),
            image.adjust_saturation(xu, 0.3), image.adjust_saturation(x[0], 0.0),
            image.adjust_hue(x, 0.3), image.adjust_hue(x, -0.7), image.adjust_hue(xu, 0.1),
            image.rgb_to_hsv(x), image.hsv_to_rgb(x), image.rgb_to_hsv(lib.constant(
                [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [1.0, 0.2, 0.2], [0.2, 1.0, 0.2],
                 [0.2, 0.2, 1.0], [1.0, 0.2, 0.4]], dtype=lib.float32)),
            image.rgb_to_yiq(x), image.yiq_to_rgb(x), image.rgb_to_yuv(x[0]),
            image.yuv_to_rgb(x), image.grayscale_to_rgb(lib.constant(GRAY)),
            image.transpose(x), image.resize(x, [4, 9], method="bicubic"),
            image.resize(x, [3, 3], method="area"), image.resize_images(xu, [4, 5], method=3)]
    for k in range(4):
        outs += [image.rot90(x, k), image.rot90(x[0], k)]
    outs += [image.crop_to_bounding_box(x, 1, 2, 3, 4), image.crop_to_bounding_box(xu[0], 0, 0,
                                                                                   6, 1),
             image.pad_to_bounding_box(x, 1, 2, 9, 10), image.pad_to_bounding_box(xu[0], 0, 3,
                                                                                  6, 10)]
    for th, tw in [(4, 4), (9, 3), (6, 7), (11, 12), (5, 2)]:
        outs += [image.resize_image_with_crop_or_pad(x, th, tw),
                 image.resize_image_with_crop_or_pad(xu[1], th, tw)]
    for th, tw in [(9, 9), (3, 12), (12, 4)]:
        outs += [image.resize_image_with_pad(x, th, tw),
                 image.resize_image_with_pad(xu[0], th, tw, method=1)]
    for size in [(4, 5), (9, 13), (1, 1), (6, 3)]:
        for align in (False, True):
            outs += [image.resize_area(x, size, align), image.resize_area(xu, size, align),
                     image.resize_bicubic(x, size, align)]
        outs.append(image.resize_bicubic(x, size, half_pixel_centers=True))
    y = x[::-1, ::-1] * 0.8 + 0.1
    outs += [image.total_variation(x), image.total_variation(x[0]), image.psnr(x, y, 1.0),
             image.psnr(xu, xu // 2, 255), image.psnr(x[0], y[0], 2.0)]
    outs += list(image.image_gradients(x)) + [image.sobel_edges(x)]
    big2 = big[::-1] * 0.7 + 0.2
    outs += [image.ssim(big, big2, 1.0), image.ssim(big[0], big2[0], 1.0, filter_size=5),
             image.ssim(lib.cast(big * 255, lib.uint8), lib.cast(big2 * 255, lib.uint8), 255),
             image.ssim_multiscale(big, big2, 1.0, filter_size=3),
             image.ssim_multiscale(big, big2, 1.0, power_factors=(0.5, 0.5),
                                   filter_size=5, filter_sigma=1.0)]
    for method in ("bilinear", "nearest"):
        for crop in [(3, 4), (1, 1), (5, 1)]:
            outs.append(image.crop_and_resize(x, BOXES, [0, 1, 1, 0], crop, method=method,
                                              extrapolation_value=-1.5))
    outs.append(image.crop_and_resize(xu, BOXES[:2], [1, 0], [4, 4]))
    outs.append(image.non_max_suppression(NMS_BOXES, NMS_SCORES, 10, 0.5))
    outs.append(image.non_max_suppression(NMS_BOXES, NMS_SCORES, 3, 0.5))
    outs.append(image.non_max_suppression(NMS_BOXES, NMS_SCORES, 10, 0.0, 0.5))
    outs.append(image.non_max_suppression(NMS_BOXES, NMS_SCORES, 10, 1.0))
    outs += list(image.non_max_suppression_with_scores(NMS_BOXES, NMS_SCORES, 4, 0.2))
    outs.append(image.non_max_suppression_overlaps(OVERLAPS, NMS_SCORES, 6, 0.6, 0.2))
    # TF's padded variant reads the corner order from the first box only: canonical boxes.
    canonical = np.concatenate([NMS_BOXES[:4], NMS_BOXES[4:5, [2, 3, 0, 1]], NMS_BOXES[5:]])
    outs += list(image.non_max_suppression_padded(canonical, NMS_SCORES, 7, 0.4,
                                                  pad_to_max_output_size=True))
    draw = np.array([[[0.1, 0.2, 0.6, 0.7], [0.0, 0, 1, 1], [0.5, 0.5, 0.4, 0.4],
                      [-0.5, 0.3, 0.5, 1.5], [-0.1, -0.1, 0.3, 0.3]] + [[0.2, 0.1, 0.8, 0.9]] * 7,
                     [[0.3, 0.3, 0.9, 0.9]] * 12], np.float32)
    outs += [image.draw_bounding_boxes(x, draw),
             image.draw_bounding_boxes(lib.concat([x, x[..., :1]], -1), draw),
             image.draw_bounding_boxes(x[..., :1], draw[:, :3], colors=[[0.3], [0.6]])]
    return outs


@functools.lru_cache(maxsize=None)
def _tf1_values():
    import tensorflow.compat.v1 as tf1
    with tf1.Graph().as_default():
        return tf1.Session().run(_program(tf1))


def test_against_tf1(tf1, session):
    want = _tf1_values()
    got = session().run(_program(tf))
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, (i, g.dtype, w.dtype, g.shape,
                                                           w.shape)
        tol = 1 if g.dtype == np.uint8 else 1e-4
        np.testing.assert_allclose(g.astype(float), w.astype(float), rtol=1e-4, atol=tol,
                                   err_msg=str(i))


def _smooth_rgb(rng, shape):
    """RGB pixels away from the kinks of the HSV maps: distinct channels (the spread at least
    0.4) and the middle one well inside (so the hue is inside a sixth of the wheel)."""
    lo = rng.uniform(0.05, 0.3, shape)
    spread = rng.uniform(0.4, 0.6, shape)
    mid = lo + rng.uniform(0.3, 0.7, shape) * spread
    chans = np.stack([lo, mid, lo + spread], -1)
    return np.take_along_axis(chans, np.argsort(rng.random(shape + (3,)), -1), -1)


@pytest.mark.parametrize("name", ["contrast", "saturation", "hue", "hsv", "crop_and_resize",
                                  "crop_and_resize_boxes", "bicubic", "area", "sobel"])
def test_gradients(backend, name):
    img = _smooth_rgb(np.random.default_rng(5), (2, 4, 5))
    boxes = np.array([[0.1, 0.2, 0.7, 0.9], [0.6, 0.1, 0.2, 0.8]])
    fns = {
        "contrast": lambda x: tf.image.adjust_contrast(x, 1.6),
        "saturation": lambda x: tf.image.adjust_saturation(x, 0.7),
        "hue": lambda x: tf.image.adjust_hue(x, 0.15),
        "hsv": lambda x: tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x) * 0.9),
        "crop_and_resize": lambda x: tf.image.crop_and_resize(x, boxes, [1, 0], [3, 4]),
        "crop_and_resize_boxes": lambda b: tf.image.crop_and_resize(img, b, [1, 0], [3, 4]),
        "bicubic": lambda x: tf.image.resize_bicubic(x, [7, 3]),
        "area": lambda x: tf.image.resize_area(x, [3, 2]),
        "sobel": lambda x: tf.image.sobel_edges(x),
    }
    # The adjustments and resizes compute in float32 (as TF does): a coarse step is exact
    # enough for the linear ones and keeps round-off small for the others.
    point = boxes if name == "crop_and_resize_boxes" else img
    report = check_gradients(lambda x: tf.cast(fns[name](x), tf.float64), [point],
                             backend=backend[0], device=backend[1], delta=1e-3,
                             tolerance=2e-3)
    assert report.ok, str(report)


def test_random_adjustments_statistics(session):
    x = tf.constant(np.full((2, 3, 4, 3), 0.5, np.float32))
    bright = tf.image.random_brightness(x, 0.2)
    contrast = tf.image.random_contrast(tf.constant(IMG), 0.5, 0.9)
    hue = tf.image.random_hue(tf.constant(IMG), 0.3)
    sat = tf.image.random_saturation(tf.constant(IMG), 0.2, 0.6)
    sess = session()
    deltas, ratios = [], []
    for _ in range(40):
        b, c, h, s = sess.run([bright, contrast, hue, sat])
        assert b.shape == (2, 3, 4, 3) and c.shape == h.shape == s.shape == IMG.shape
        assert np.ptp(b) < 1e-6                     # one delta for the whole batch
        deltas.append(b.flat[0] - 0.5)
        dev = IMG - IMG.mean(axis=(1, 2), keepdims=True)
        ratios.append(float(np.sum((c - c.mean(axis=(1, 2), keepdims=True)) * dev) /
                            np.sum(dev * dev)))
        np.testing.assert_allclose(h.max(-1), IMG.max(-1), atol=1e-5)    # hue keeps value
        np.testing.assert_allclose(s.max(-1), IMG.max(-1), atol=1e-5)
    deltas, ratios = np.array(deltas), np.array(ratios)
    assert np.all(np.abs(deltas) <= 0.2 + 1e-6) and deltas.min() < 0 < deltas.max()
    assert np.std(deltas) > 0.05
    assert np.all((ratios >= 0.5 - 1e-4) & (ratios <= 0.9 + 1e-4)) and np.std(ratios) > 0.03


def test_random_flips_per_image(session):
    batch = np.arange(64 * 2 * 3, dtype=np.float32).reshape(64, 2, 3, 1)
    lr = tf.image.random_flip_left_right(batch, seed=3)
    ud = tf.image.random_flip_up_down(batch[0], seed=4)
    sess = session()
    got, singles = sess.run(lr), [sess.run(ud) for _ in range(60)]
    flipped = [np.array_equal(g, b[:, ::-1]) for g, b in zip(got, batch)]
    kept = [np.array_equal(g, b) for g, b in zip(got, batch)]
    assert all(f != k for f, k in zip(flipped, kept))        # each image flipped or not
    assert 12 < sum(flipped) < 52                             # decided per image
    ups = [np.array_equal(s, batch[0, ::-1]) for s in singles]
    assert all(u or np.array_equal(s, batch[0]) for u, s in zip(ups, singles))
    assert 10 < sum(ups) < 50
    again = session().run(lr)                                 # op seed: same in a new session
    np.testing.assert_array_equal(again, got)


def test_random_crop_alias(session):
    crop = tf.image.random_crop(tf.constant(IMG), [2, 3, 4, 3], seed=1)
    v = session().run(crop)
    assert v.shape == (2, 3, 4, 3)
    assert any(np.array_equal(v, IMG[:, i:i + 3, j:j + 4]) for i in range(4)
               for j in range(4))


def test_sample_distorted_bounding_box(session):
    boxes = np.array([[[0.1, 0.1, 0.4, 0.5], [0.5, 0.5, 0.9, 0.9]]], np.float32)
    begin, size, bbox = tf.image.sample_distorted_bounding_box(
        [60, 80, 3], boxes, min_object_covered=0.5, aspect_ratio_range=[0.5, 2.0],
        area_range=[0.1, 0.6], seed=7)
    assert begin.shape.as_list() == [3] and bbox.shape.as_list() == [1, 1, 4]
    sess = session()
    seen = set()
    for _ in range(30):
        b, s, bb = sess.run([begin, size, bbox])
        assert b.dtype == np.int32 and b[2] == 0 and s[2] == -1
        y, x, h, w = int(b[0]), int(b[1]), int(s[0]), int(s[1])
        assert 0 <= y and y + h <= 60 and 0 <= x and x + w <= 80
        assert 0.1 * 4800 <= h * w <= 0.6 * 4800 and 0.5 * 0.99 <= w / h <= 2.0 * 1.01 + 1 / h
        np.testing.assert_allclose(bb[0, 0], [y / 60, x / 80, (y + h) / 60, (x + w) / 80],
                                   rtol=1e-6)
        cover = []
        for y1, x1, y2, x2 in boxes[0] * [60, 80, 60, 80]:
            ih = max(0, min(y + h, int(y2)) - max(y, int(y1)))
            iw = max(0, min(x + w, int(x2)) - max(x, int(x1)))
            cover.append(ih * iw / ((int(y2) - int(y1)) * (int(x2) - int(x1))))
        assert max(cover) >= 0.5
        seen.add((y, x, h, w))
    assert len(seen) > 10
    # No admissible crop (a tiny box must be covered, only large crops allowed): whole image.
    begin2, size2, _ = tf.image.sample_distorted_bounding_box(
        tf.constant([20, 30, 1], tf.int64), [[[0.0, 0.0, 0.05, 0.05]]],
        min_object_covered=1.0, area_range=[0.9, 1.0], aspect_ratio_range=[3.0, 3.0], seed=1)
    b, s = sess.run([begin2, size2])
    assert b.dtype == np.int64 and b.tolist() == [0, 0, 0] and s.tolist() == [20, 30, -1]


def test_nms_kernel_edge_cases(session):
    sess = session()
    empty = tf.image.non_max_suppression(np.zeros((0, 4), np.float32),
                                         np.zeros((0,), np.float32), 5)
    none = tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, 0)
    ties = tf.image.non_max_suppression([[0., 0, 1, 1], [0, 0, 1, 1], [5, 5, 6, 6]],
                                        [0.5, 0.5, 0.5], 3, 0.5)
    e, n, t = sess.run([empty, none, ties])
    assert e.dtype == np.int32 and e.shape == (0,) and n.shape == (0,)
    assert t.tolist() == [0, 2]                 # equal scores: the lower index first
    neg = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="max_output_size"):
        sess.run(tf.image.non_max_suppression(NMS_BOXES, NMS_SCORES, neg), {neg: -1})


def test_crop_or_pad_unknown_size(session):
    ph = tf.placeholder(tf.float32, [None, None, 3])
    out = [tf.image.resize_with_crop_or_pad(ph, th, tw) for th, tw in [(4, 4), (9, 3), (11, 12)]]
    batch = tf.placeholder(tf.float32, [None, None, None, 3])
    out.append(tf.image.resize_with_crop_or_pad(batch, 5, 9))
    assert out[0].shape.as_list() == [4, 4, 3] and out[3].shape.as_list() == [None, 5, 9, 3]
    static = [tf.image.resize_with_crop_or_pad(IMG[1], th, tw)
              for th, tw in [(4, 4), (9, 3), (11, 12)]]
    static.append(tf.image.resize_with_crop_or_pad(IMG, 5, 9))
    got, want = session().run([out, static], {ph: IMG[1], batch: IMG})
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_errors():
    img = tf.zeros([4, 5, 3])
    with pytest.raises(ValueError, match="offset_height must be >= 0"):
        tf.image.crop_to_bounding_box(img, -1, 0, 2, 2)
    with pytest.raises(ValueError, match="target_width must be > 0"):
        tf.image.crop_to_bounding_box(img, 0, 0, 2, 0)
    with pytest.raises(ValueError, match="width must be >= target_width"):
        tf.image.crop_to_bounding_box(img, 0, 3, 2, 3)
    with pytest.raises(ValueError, match="height must be <= target_height"):
        tf.image.pad_to_bounding_box(img, 2, 0, 5, 5)
    with pytest.raises(ValueError, match="3 or 4"):
        tf.image.rot90(tf.zeros([4, 5]))
    with pytest.raises(ValueError, match="size 1"):
        tf.image.grayscale_to_rgb(img)
    with pytest.raises(ValueError, match="3 channels"):
        tf.image.rgb_to_hsv(tf.zeros([2, 2, 4]))
    with pytest.raises(ValueError, match="4-D"):
        tf.image.sobel_edges(img)
    with pytest.raises(ValueError, match="4-D"):
        tf.image.image_gradients(img)
    with pytest.raises(ValueError, match=r"\[num_boxes, 4\]"):
        tf.image.crop_and_resize(tf.zeros([1, 4, 4, 1]), [[0.0, 0.0, 1.0]], [0], [2, 2])
    with pytest.raises(ValueError, match="crop_size"):
        tf.image.crop_and_resize(tf.zeros([1, 4, 4, 1]), [[0.0, 0, 1, 1]], [0], [0, 2])
    with pytest.raises(ValueError, match="method"):
        tf.image.crop_and_resize(tf.zeros([1, 4, 4, 1]), [[0.0, 0, 1, 1]], [0], [2, 2],
                                 method="cubic")
    with pytest.raises(ValueError, match=r"box_ind has values outside \[0, 1\)"):
        tf.image.crop_and_resize(tf.zeros([1, 4, 4, 1]), [[0.0, 0, 1, 1]], [1], [2, 2])
    with pytest.raises(ValueError, match="same number of boxes"):
        tf.image.non_max_suppression(tf.zeros([3, 4]), tf.zeros([2]), 2)
    with pytest.raises(ValueError, match="iou_threshold"):
        tf.image.non_max_suppression(tf.zeros([3, 4]), tf.zeros([3]), 2, iou_threshold=1.5)
    with pytest.raises(ValueError, match="max_delta must be <= 0.5"):
        tf.image.random_hue(img, 0.6)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(img, 0.5, 0.5)
    with pytest.raises(ValueError, match="non-negative"):
        tf.image.random_brightness(img, -0.1)
    with pytest.raises(ValueError, match="Gamma"):
        tf.image.adjust_gamma(img, -1.0)
    with pytest.raises(ValueError, match=r"interval \[-1, 1\]"):
        tf.image.adjust_hue(img, 1.5)
    with pytest.raises(ValueError, match="smaller than the filter"):
        tf.image.ssim(tf.zeros([8, 8, 1]), tf.zeros([8, 8, 1]), 1.0)
    with pytest.raises(ValueError, match="known when the graph is built"):
        tf.image.resize_bicubic(tf.placeholder(tf.float32, [1, None, 4, 1]), [2, 2])
    with pytest.raises(ValueError, match="use_image_if_no_bounding_boxes"):
        tf.image.sample_distorted_bounding_box([4, 4, 1], np.zeros((1, 0, 4), np.float32))
    with pytest.raises(ValueError, match="Soft-NMS"):
        tf.image.non_max_suppression_with_scores(tf.zeros([3, 4]), tf.zeros([3]), 2,
                                                 soft_nms_sigma=0.5)
