"""Image ops: TF1's resize coordinate mappings (align_corners, half_pixel_centers) and their
gradients against tf.compat.v1, flips, standardization, space_to_depth, on every backend."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import image_ops as im
from flowkit.testing import check_gradients

RNG = np.random.default_rng(11)
IMG = RNG.uniform(0, 255, (2, 5, 7, 3)).astype(np.float32)
MODES = [(False, False), (True, False), (False, True)]
SIZES = [(3, 4), (8, 11), (1, 1), (10, 3)]


def test_resize_bilinear_align_corners_values(session):
    img = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    out = session().run([im.resize_bilinear(img, [3, 3], align_corners=True),
                         im.resize_bilinear(img, [4, 4]),
                         im.resize_nearest_neighbor(img, [4, 4])])
    assert out[0][0, :, :, 0].tolist() == [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]]
    # Legacy mapping: output i reads input i * 2 / 4, clamped at the last pixel.
    assert out[1][0, 0, :, 0].tolist() == [0, 0.5, 1, 1]
    assert out[2][0, :, 0, 0].tolist() == [0, 0, 2, 2]
    assert out[2].dtype == np.float32


def test_resize_images_shapes_and_dtypes():
    x3 = tf.placeholder(tf.uint8, [5, 7, 3])
    assert im.resize_images(x3, [2, 4]).shape.as_list() == [2, 4, 3]
    assert im.resize_images(x3, [2, 4]).dtype == tf.float32
    assert im.resize_images(x3, [2, 4], method=im.ResizeMethod.NEAREST_NEIGHBOR).dtype == \
        tf.uint8
    same = im.resize_images(x3, [5, 7])                  # same size: not resized, as TF1
    assert same.dtype == tf.uint8 and same.op.type == "Squeeze"
    with pytest.raises(ValueError, match="half_pixel_centers"):
        im.resize_bilinear(tf.zeros([1, 2, 2, 1]), [3, 3], True, half_pixel_centers=True)
    with pytest.raises(ValueError, match="rank 4"):
        im.resize_bilinear(tf.zeros([2, 2, 1]), [3, 3])
    with pytest.raises(ValueError, match="3 or 4"):
        im.flip_left_right(tf.zeros([2, 2]))
    with pytest.raises(ValueError, match="divisible"):
        im.space_to_depth(tf.zeros([1, 3, 4, 1]), 2)


@pytest.mark.parametrize("nearest", [False, True])
def test_resize_gradients(backend, nearest):
    fn = im.resize_nearest_neighbor if nearest else im.resize_bilinear
    for size in [(5, 3), (2, 7)]:
        for align, half in MODES:
            # Bilinear outputs float32 (as in TF); it is linear, so a large step is exact.
            def build(x, size=size, align=align, half=half):
                return tf.cast(fn(x, size, align, half_pixel_centers=half), tf.float64)
            report = check_gradients(build,
                                     [RNG.uniform(0, 1, (2, 3, 4, 2))], backend=backend[0],
                                     device=backend[1], delta=1e-2, tolerance=1e-4)
            assert report.ok, (size, align, half, str(report))


def test_flips_and_space_to_depth(session):
    x = RNG.standard_normal((2, 4, 6, 2))
    out = session().run([im.flip_left_right(x), im.flip_up_down(x[0]), im.transpose_image(x),
                         im.depth_to_space(im.space_to_depth(x, 2), 2),
                         im.space_to_depth(x, 2)])
    np.testing.assert_array_equal(out[0], x[:, :, ::-1])
    np.testing.assert_array_equal(out[1], x[0, ::-1])
    np.testing.assert_array_equal(out[2], x.transpose(0, 2, 1, 3))
    np.testing.assert_array_equal(out[3], x)
    assert out[4].shape == (2, 2, 3, 8)
    np.testing.assert_array_equal(out[4][0, 0, 0], x[0, :2, :2].reshape(-1))


def _program(lib, image):
    x = lib.constant(IMG)
    xu = lib.constant(IMG.astype(np.uint8))
    outs = []
    for size in SIZES:
        for align, half in MODES:
            outs.append(image.resize_bilinear(x, size, align, half_pixel_centers=half))
            outs.append(image.resize_nearest_neighbor(x, size, align,
                                                      half_pixel_centers=half))
            outs.append(image.resize_nearest_neighbor(xu, size, align,
                                                      half_pixel_centers=half))
    outs += [image.resize_images(x, [4, 9]), image.resize_images(xu, [4, 9]),
             image.resize_images(x[0], [4, 9], method=1, align_corners=True),
             image.flip_left_right(x), image.flip_up_down(x[0]),
             image.per_image_standardization(x), image.per_image_standardization(xu),
             image.rgb_to_grayscale(x), image.rgb_to_grayscale(xu),
             image.central_crop(x, 0.5), image.convert_image_dtype(xu, lib.float32),
             image.convert_image_dtype(x / 255.0, lib.uint8)]
    weights = lib.reshape(lib.range(11.0), [11, 1])
    for align, half in MODES:
        y = image.resize_bilinear(x, [8, 11], align, half_pixel_centers=half) * weights
        z = image.resize_nearest_neighbor(x, [3, 11], align, half_pixel_centers=half) * weights
        outs += lib.gradients(lib.reduce_sum(y) + lib.reduce_sum(z), x)
    return outs


def test_against_tf1(tf1):
    with tf1.Graph().as_default():
        want = tf1.Session().run(_program(tf1, tf1.image))
    with tf.Graph().as_default():
        got = tf.Session().run(_program(tf, im))
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, i
        np.testing.assert_allclose(g.astype(float), w.astype(float), rtol=1e-5, atol=1e-3,
                                   err_msg=str(i))
