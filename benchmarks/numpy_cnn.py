"""The W4 baseline: the CNN training step as a competent NumPy programmer writes it.

The model is W4's (conv 5x5x32 SAME, ReLU, 2x2 max-pool, conv 5x5x64 SAME, ReLU, 2x2
max-pool, dense 3136x1024, ReLU, dense 1024x10, softmax cross-entropy, SGD at 0.01), and the
step computes the same losses as flowkit's and TF 2.21 ``tf.compat.v1``'s (checked by
``python benchmarks/numpy_cnn.py`` and by the W4 row). The techniques:

- every array of the step is allocated once, in ``__init__``, and reused (``out=``
  everywhere), including the padded inputs of the convolutions, whose zero borders are
  written once;
- im2col is one copy from a strided view of the padded input into a reused buffer, and the
  convolution one GEMM; the filter gradient is one GEMM;
- the input gradient is one GEMM into a reused column buffer, then ``k*k`` adds into shifted
  windows of a padded buffer (measured faster here than ``k*k`` GEMMs, each one too small to
  keep BLAS busy);
- the 2x2 max-pool writes the elementwise maximum of four strided views straight into the
  interior of the next convolution's padded input;
- the pool and ReLU backward are fused: the gradient goes to the first maximum of each window
  (TF's rule) and only where the pooled value is positive (where the ReLU let it through).
"""
from __future__ import annotations

import numpy as np

F32 = np.float32


def _windows(xp: np.ndarray, k: int) -> np.ndarray:
    """(N, H+k-1, W+k-1, C) padded input -> (N, H, W, k, k, C) view, no copy."""
    n, h, w, c = xp.shape
    s = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, (n, h - k + 1, w - k + 1, k, k, c), (s[0], s[1], s[2], s[1], s[2], s[3]),
        writeable=False)


class _Conv:
    """One SAME convolution (stride 1, odd k) with its buffers."""

    def __init__(self, n, h, w, c_in, k, c_out, need_input_grad):
        p = k // 2
        self.n, self.h, self.w, self.c_in, self.k, self.c_out = n, h, w, c_in, k, c_out
        self.xp = np.zeros((n, h + 2 * p, w + 2 * p, c_in), F32)      # borders stay zero
        self.inner = self.xp[:, p:p + h, p:p + w, :]
        self.cols = np.empty((n * h * w, k * k * c_in), F32)
        self.out = np.empty((n * h * w, c_out), F32)
        self.gw = np.empty((k, k, c_in, c_out), F32)
        self.gb = np.empty(c_out, F32)
        if need_input_grad:
            self.dcols = np.empty_like(self.cols)
            self.dxp = np.empty_like(self.xp)

    def forward(self, w, b):
        """Reads ``self.inner`` (filled by the caller); returns the ReLU'd output, NHWC."""
        np.copyto(self.cols.reshape(self.n, self.h, self.w, self.k, self.k, self.c_in),
                  _windows(self.xp, self.k))
        np.matmul(self.cols, w.reshape(-1, self.c_out), out=self.out)
        self.out += b
        np.maximum(self.out, 0, out=self.out)
        return self.out.reshape(self.n, self.h, self.w, self.c_out)

    def backward(self, d, w):
        """``d``: the gradient of the ReLU'd output (N*H*W, C_out). Fills ``gw``, ``gb`` and,
        when asked for, returns the gradient of the input (a view of ``dxp``)."""
        np.matmul(self.cols.T, d, out=self.gw.reshape(-1, self.c_out))
        d.sum(axis=0, out=self.gb)
        if not hasattr(self, "dcols"):
            return None
        np.matmul(d, w.reshape(-1, self.c_out).T, out=self.dcols)
        dc = self.dcols.reshape(self.n, self.h, self.w, self.k, self.k, self.c_in)
        self.dxp.fill(0)
        for i in range(self.k):
            for j in range(self.k):
                self.dxp[:, i:i + self.h, j:j + self.w, :] += dc[:, :, :, i, j, :]
        p = self.k // 2
        return self.dxp[:, p:p + self.h, p:p + self.w, :]


class _Pool:
    """2x2 max-pool, stride 2, of an (N, H, W, C) ReLU output with even H and W."""

    OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))     # window order: TF's first maximum wins

    def __init__(self, n, h, w, c):
        shape = (n, h // 2, w // 2, c)
        self.positive = np.empty(shape, bool)
        self.taken = np.empty(shape, bool)
        self.hit = np.empty(shape, bool)
        self.grad = np.empty((n, h, w, c), F32)

    def forward(self, r, out):
        """Writes the pooled ``r`` into ``out`` (a view, e.g. the next padded input)."""
        np.maximum(r[:, 0::2, 0::2], r[:, 0::2, 1::2], out=out)
        np.maximum(out, r[:, 1::2, 0::2], out=out)
        np.maximum(out, r[:, 1::2, 1::2], out=out)

    def backward(self, r, pooled, d):
        """The gradient of the convolution's pre-ReLU output, from the gradient ``d`` of the
        pooled values: pool and ReLU backward in one pass (a pooled value of 0 means every
        element of its window was cut by the ReLU, so nothing flows)."""
        np.greater(pooled, 0, out=self.positive)
        np.logical_not(self.positive, out=self.taken)
        for a, b in self.OFFSETS:
            np.equal(r[:, a::2, b::2], pooled, out=self.hit)
            np.logical_and(self.hit, np.logical_not(self.taken), out=self.hit)
            np.logical_or(self.taken, self.hit, out=self.taken)
            np.multiply(d, self.hit, out=self.grad[:, a::2, b::2])
        return self.grad


class CompetentNumpyCNN:
    """W4's training step in NumPy, all buffers planned; ``step(x, y)`` returns the loss."""

    def __init__(self, w0, batch=64):
        self.w = [np.array(v, F32, copy=True) for v in w0]
        n = batch
        self.conv1 = _Conv(n, 28, 28, 1, 5, 32, need_input_grad=False)
        self.pool1 = _Pool(n, 28, 28, 32)
        self.conv2 = _Conv(n, 14, 14, 32, 5, 64, need_input_grad=True)
        self.pool2 = _Pool(n, 14, 14, 64)
        self.p2 = np.empty((n, 7, 7, 64), F32)
        self.z3 = np.empty((n, 1024), F32)
        self.mask3 = np.empty((n, 1024), bool)
        self.logits = np.empty((n, 10), F32)
        self.e = np.empty((n, 10), F32)
        self.mx = np.empty((n, 1), F32)
        self.s = np.empty((n, 1), F32)
        self.d3 = np.empty((n, 1024), F32)
        self.dp2 = np.empty((n, 3136), F32)
        self.grads = [self.conv1.gw, self.conv1.gb, self.conv2.gw, self.conv2.gb,
                      np.empty((3136, 1024), F32), np.empty(1024, F32),
                      np.empty((1024, 10), F32), np.empty(10, F32)]

    def buffer_bytes(self) -> int:
        """The bytes of every buffer the step reuses (weights excluded)."""
        seen, total = set(), 0
        for obj in (self, self.conv1, self.conv2, self.pool1, self.pool2):
            for v in vars(obj).values():
                arrays = v if isinstance(v, list) else [v]
                for a in arrays:
                    if isinstance(a, np.ndarray) and a.base is None and id(a) not in seen:
                        seen.add(id(a))
                        total += a.nbytes
        return total - sum(w.nbytes for w in self.w)

    def step(self, x, y, lr=F32(0.01)):
        w1, b1, w2, b2, w3, b3, w4, b4 = self.w
        gw1, gb1, gw2, gb2, gw3, gb3, gw4, gb4 = self.grads
        n = x.shape[0]
        # forward
        self.conv1.inner[...] = x
        r1 = self.conv1.forward(w1, b1)
        self.pool1.forward(r1, self.conv2.inner)
        r2 = self.conv2.forward(w2, b2)
        self.pool2.forward(r2, self.p2)
        f = self.p2.reshape(n, 3136)
        np.matmul(f, w3, out=self.z3)
        self.z3 += b3
        np.maximum(self.z3, 0, out=self.z3)
        np.matmul(self.z3, w4, out=self.logits)
        self.logits += b4
        # softmax cross-entropy, stable
        self.logits.max(axis=1, keepdims=True, out=self.mx)
        np.subtract(self.logits, self.mx, out=self.e)
        shifted_dot_y = float(np.einsum("ij,ij->", self.e, y))
        np.exp(self.e, out=self.e)
        self.e.sum(axis=1, keepdims=True, out=self.s)
        y_sums = y.sum(axis=1, keepdims=True)
        loss = (float(np.log(self.s).ravel() @ y_sums.ravel()) - shifted_dot_y) / n
        # backward: d4 = (softmax * sum(y) - y) / n, in place in e
        self.e /= self.s
        self.e *= y_sums
        self.e -= y
        self.e /= F32(n)
        d4 = self.e
        np.matmul(self.z3.T, d4, out=gw4)
        d4.sum(axis=0, out=gb4)
        np.matmul(d4, w4.T, out=self.d3)
        np.greater(self.z3, 0, out=self.mask3)
        self.d3 *= self.mask3
        np.matmul(f.T, self.d3, out=gw3)
        self.d3.sum(axis=0, out=gb3)
        np.matmul(self.d3, w3.T, out=self.dp2)
        dr2 = self.pool2.backward(r2, self.p2, self.dp2.reshape(self.p2.shape))
        dp1 = self.conv2.backward(dr2.reshape(-1, 64), w2)
        pooled1 = self.conv2.inner
        dr1 = self.pool1.backward(r1, pooled1, dp1)
        self.conv1.backward(dr1.reshape(-1, 32), w1)
        # SGD, in place (the gradients are not needed afterwards)
        for v, g in zip(self.w, self.grads):
            g *= lr
            v -= g
        return loss


def main() -> None:
    """Checks the losses against flowkit's (and TF's, when installed) for a few steps."""
    import sys
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    from bench_more import _cnn_data, _flowkit_cnn
    x, y, w0 = _cnn_data()
    base = CompetentNumpyCNN(w0)
    sess, xp, yp, loss, step = _flowkit_cnn(w0, "numpy", "cpu")
    for i in range(5):
        lb = base.step(x, y)
        lf = float(sess.run([loss, step], {xp: x, yp: y})[0])
        print(f"step {i}: baseline {lb:.7f} flowkit {lf:.7f} rel {abs(lb - lf) / abs(lf):.1e}")


if __name__ == "__main__":
    main()
