"""The op families. Importing this package registers every core op type."""
from flowkit.ops import (core, math_ops, array_ops, state_ops, control_flow_ops,  # noqa: F401
                         nn_ops, random_ops)
