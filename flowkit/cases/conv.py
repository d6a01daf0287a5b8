"""Conformance cases of the convolutions and pools beyond conv2d (3-D, transposed, depthwise,
separable, atrous, argmax): :mod:`flowkit.ops.conv3d_ops` and the compositions in
:mod:`flowkit.ops.conv_ops`. The ``-vjp`` cases differentiate a gradient, so the backward
ops' own gradients (and their kernels) are checked too."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.gradients import gradients
from flowkit.ops import conv_ops as cv

_r = np.random.default_rng(4242)


def _a(*shape):
    return _r.normal(0, 1, shape).astype(np.float32)


def _vjp(fn, wrt=0):
    def build(*args):
        *xs, u = args
        return gradients([fn(*xs)], [xs[wrt]], grad_ys=[u])[0]
    return build


def _vjp_of_vjp(fn):
    """The gradient of ``fn``'s gradient with respect to its cotangent: builds the
    ``...GradGrad`` op of a pool in the forward graph."""
    def build(x, u, v):
        return gradients([_vjp(fn)(x, u)], [u], grad_ys=[v])[0]
    return build


def _conv3d(x, f):
    return cv.conv3d(x, f, [1, 2, 1, 1, 1], "SAME")


def _depthwise(x, f):
    return cv.depthwise_conv2d(x, f, [1, 2, 1, 1], "SAME")


def _max3d(x):
    return cv.max_pool3d(x, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME")


def _argmax(x):
    return cv.max_pool_with_argmax(x, [1, 2, 3, 1], [1, 2, 1, 1], "SAME")[0]


CASES = [
    Case("Conv3D", _conv3d, [_a(2, 3, 4, 3, 2), _a(2, 2, 2, 2, 3)]),
    Case("Conv3D-dilated-valid",
         lambda x, f: cv.conv3d(x, f, [1, 1, 1, 1, 1], "VALID", dilations=[1, 1, 2, 1, 1]),
         [_a(1, 3, 5, 3, 2), _a(2, 2, 2, 2, 2)]),
    Case("Conv3DBackpropInputV2-vjp", _vjp(_conv3d, 0),
         [_a(2, 3, 4, 3, 2), _a(2, 2, 2, 2, 3), _a(2, 2, 4, 3, 3)]),
    Case("Conv3DBackpropFilterV2-vjp", _vjp(_conv3d, 1),
         [_a(2, 3, 4, 3, 2), _a(2, 2, 2, 2, 3), _a(2, 2, 4, 3, 3)]),
    Case("conv3d_transpose",
         lambda x, f: cv.conv3d_transpose(x, f, [1, 4, 3, 4, 2], [1, 2, 1, 2, 1], "SAME"),
         [_a(1, 2, 3, 2, 3), _a(2, 2, 2, 2, 3)]),
    Case("DepthwiseConv2dNative", _depthwise, [_a(2, 5, 4, 3), _a(3, 2, 3, 2)]),
    Case("DepthwiseConv2dNative-rate",
         lambda x, f: cv.depthwise_conv2d(x, f, [1, 1, 1, 1], "VALID", rate=[2, 1]),
         [_a(1, 5, 4, 2), _a(2, 2, 2, 3)]),
    Case("DepthwiseConv2dNativeBackpropInput-vjp", _vjp(_depthwise, 0),
         [_a(2, 5, 4, 3), _a(3, 2, 3, 2), _a(2, 3, 4, 6)]),
    Case("DepthwiseConv2dNativeBackpropFilter-vjp", _vjp(_depthwise, 1),
         [_a(2, 5, 4, 3), _a(3, 2, 3, 2), _a(2, 3, 4, 6)]),
    Case("separable_conv2d",
         lambda x, d, p: cv.separable_conv2d(x, d, p, [1, 1, 1, 1], "SAME"),
         [_a(1, 4, 4, 2), _a(3, 3, 2, 2), _a(1, 1, 4, 3)]),
    Case("atrous_conv2d", lambda x, f: cv.atrous_conv2d(x, f, 2, "SAME"),
         [_a(1, 5, 5, 2), _a(2, 2, 2, 3)]),
    Case("atrous_conv2d_transpose",
         lambda x, f: cv.atrous_conv2d_transpose(x, f, [1, 6, 6, 2], 2, "VALID"),
         [_a(1, 4, 4, 3), _a(2, 2, 2, 3)]),
    Case("conv1d_transpose", lambda x, f: cv.conv1d_transpose(x, f, [2, 7, 2], 2, "VALID"),
         [_a(2, 3, 3), _a(3, 2, 3)]),
    Case("MaxPool3D", _max3d, [_a(2, 3, 4, 3, 2)]),
    Case("MaxPool3DGrad-vjp", _vjp(_max3d), [_a(2, 3, 4, 3, 2), _a(2, 3, 2, 3, 2)]),
    Case("MaxPool3DGradGrad", _vjp_of_vjp(_max3d),
         [_a(2, 3, 4, 3, 2), _a(2, 3, 2, 3, 2), _a(2, 3, 4, 3, 2)]),
    Case("AvgPool3D", lambda x: cv.avg_pool3d(x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME"),
         [_a(2, 3, 5, 3, 2)]),
    Case("AvgPool3DGrad-vjp",
         _vjp(lambda x: cv.avg_pool3d(x, [1, 2, 2, 2, 1], [1, 1, 1, 2, 1], "VALID")),
         [_a(1, 3, 3, 4, 2), _a(1, 2, 2, 2, 2)]),
    Case("MaxPoolWithArgmax", _argmax, [_a(2, 4, 5, 3)]),
    Case("MaxPoolGradWithArgmax-vjp", _vjp(_argmax), [_a(2, 4, 5, 3), _a(2, 2, 5, 3)]),
    Case("MaxPoolGradGradWithArgmax", _vjp_of_vjp(_argmax),
         [_a(2, 4, 5, 3), _a(2, 2, 5, 3), _a(2, 4, 5, 3)]),
    Case("pool-dilated-max", lambda x: cv.pool(x, [2, 2], "MAX", "VALID", dilation_rate=[2, 1]),
         [_a(1, 5, 4, 2)]),
    Case("pool-dilated-avg", lambda x: cv.pool(x, [3], "AVG", "VALID", dilation_rate=[2]),
         [_a(2, 7, 2)]),
    Case("max_pool1d", lambda x: cv.max_pool1d(x, 3, 2, "SAME"), [_a(2, 7, 2)]),
]
