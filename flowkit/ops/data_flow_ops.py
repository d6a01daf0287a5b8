"""Queues (TF1's input pipeline before tf.data): FIFOQueue, RandomShuffleQueue and their
enqueue, dequeue, close and size ops, whose state lives in the session."""
from __future__ import annotations

__all__: list = []
