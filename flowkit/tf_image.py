"""``tf.image``: TF1's image namespace (resizing with TF1's ``align_corners`` semantics, flips,
standardization), from :mod:`flowkit.ops.image_ops`.

Example:
    >>> import flowkit as tf
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.flip_left_right(img))[0, :, :, 0])
    [[1. 0.]
     [3. 2.]]
"""
from flowkit.ops.image_ops import (  # noqa: F401
    ResizeMethod, central_crop, convert_image_dtype, flip_left_right, flip_up_down,
    per_image_standardization, resize_bilinear, resize_images, resize_nearest_neighbor,
    rgb_to_grayscale, transpose_image)

__all__ = ["ResizeMethod", "central_crop", "convert_image_dtype", "flip_left_right",
           "flip_up_down", "per_image_standardization", "resize_bilinear", "resize_images",
           "resize_nearest_neighbor", "rgb_to_grayscale", "transpose_image"]
