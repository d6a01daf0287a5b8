"""An unknown ``tf.<name>`` that TF has but flowkit leaves out on purpose says so, why, and
what to use instead, in every namespace (issue 19, item 4)."""
import pytest

import flowkit as tf
from flowkit.compat import scope


@pytest.mark.parametrize("get, path, family, alternative", [
    (lambda: tf.SparseTensor, "SparseTensor", "sparse tensors", "tf.scatter_nd"),
    (lambda: tf.nn.ctc_loss, "nn.ctc_loss", "sparse tensors", "tf.nn.ctc_loss_v2"),
    (lambda: tf.math.igamma, "math.igamma", "special functions", "scipy.special"),
    (lambda: tf.math.conj, "math.conj", "complex numbers", "two float tensors"),
    (lambda: tf.image.decode_jpeg, "image.decode_jpeg", "codecs", "PIL"),
    (lambda: tf.GradientTape, "GradientTape", "eager execution", "tf.gradients"),
    (lambda: tf.linalg.logm, "linalg.logm", "complex numbers", "two float tensors"),
])
def test_out_of_scope_names_explain_themselves(get, path, family, alternative):
    with pytest.raises(AttributeError) as info:
        get()
    message = str(info.value)
    assert f"tf.{path} is out of scope in flowkit" in message
    assert family in message and alternative in message
    assert scope.out_of_scope(path) is not None


@pytest.mark.parametrize("get, expected", [
    (lambda: tf.reduce_summ, "Did you mean: tf.reduce_sum"),
    (lambda: tf.nn.reluu, "Did you mean: tf.nn.relu"),
    (lambda: tf.layers.dense_layer, "has no attribute 'dense_layer'"),
    (lambda: tf.mul, "renamed to tf.multiply"),
])
def test_in_scope_unknown_names_keep_their_hints(get, expected):
    with pytest.raises(AttributeError, match=expected) as info:
        get()
    assert "out of scope" not in str(info.value)


@pytest.mark.parametrize("module", [tf.math, tf.linalg, tf.image, tf.data, tf.layers,
                                    tf.losses, tf.metrics, tf.nn, tf.train, tf.random])
def test_every_namespace_answers_unknown_names_with_a_hint(module):
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name_here'"):
        module.no_such_name_here   # noqa: B018
    assert not hasattr(module, "__no_such_dunder__")
