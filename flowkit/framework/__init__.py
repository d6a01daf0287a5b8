"""The framework layer: dtypes, shapes, errors, graphs, operations and tensors."""
