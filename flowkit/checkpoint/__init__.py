"""Checkpoint files: HDF5 values, the index of recent checkpoints, and the graph as JSON.

``tf.train.Saver`` (:mod:`flowkit.train.saver`) is built on three small modules:

* :mod:`flowkit.checkpoint.h5format`: writing a checkpoint atomically, each dataset with a
  XXH3-64 hash of its bytes, and :class:`CheckpointReader`, which checks a whole file before
  reading any value from it and every value against its checksum;
* :mod:`flowkit.checkpoint.index`: checkpoint paths and the ``checkpoint`` index file;
* :mod:`flowkit.checkpoint.graph_json`: the graph (ops, attrs, edges, variables,
  collections) as JSON, its large constants as datasets of the same file (stored once when
  a variable holds the same bytes), rebuilt only from registered op types;
* :mod:`flowkit.checkpoint.atomic`: write-to-temporary, fsync, rename.
"""
from flowkit.checkpoint.h5format import (  # noqa: F401
    CONSTANTS_GROUP, FORMAT_VERSION, GRAPH_DATASET, CheckpointReader, dataset_name,
    write_checkpoint)
from flowkit.checkpoint.index import (  # noqa: F401
    CheckpointState, checkpoint_exists, checkpoint_file, find_checkpoint_file,
    get_checkpoint_state, latest_checkpoint, update_checkpoint_state)
