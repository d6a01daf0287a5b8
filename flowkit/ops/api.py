"""The ``tf.*`` op builders, collected from the op modules' ``__all__`` lists, so that the
top-level namespace is defined in one readable place."""
from flowkit.ops.math_ops import *  # noqa: F401,F403
from flowkit.ops.array_ops import *  # noqa: F401,F403
from flowkit.ops.random_ops import *  # noqa: F401,F403
from flowkit.ops.control_flow_ops import *  # noqa: F401,F403
from flowkit.init_ops import *  # noqa: F401,F403
from flowkit.variable_scope import *  # noqa: F401,F403
from flowkit.ops.clip_ops import *  # noqa: F401,F403
