"""``tf.io``: the file ops of TF1's ``tf.io`` namespace that work on local files.

``tf.io.read_file``, ``tf.io.write_file`` and ``tf.io.matching_files`` are the ops of
``tf.read_file``, ``tf.write_file`` and ``tf.matching_files``; ``tf.io.gfile`` is
``tf.gfile`` (attached by ``flowkit/__init__.py``, since both namespaces sit side by side in
the layers). TF's record formats and codecs (``tf.io.TFRecordWriter``, ``parse_example``,
``decode_jpeg``...) are out of scope (see ``flowkit.compat.scope``).

Example:
    >>> import flowkit as tf
    >>> files = tf.io.matching_files("/no/such/folder/*.txt")
    >>> with tf.Session() as sess:
    ...     print(sess.run(files))
    []
"""
from flowkit.ops.data_flow_ops import matching_files, read_file, write_file  # noqa: F401

__all__ = ["read_file", "write_file", "matching_files"]
