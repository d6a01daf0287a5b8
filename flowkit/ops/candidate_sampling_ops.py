"""Candidate samplers and the sampled losses built on them (TF1's ``nn.nce_loss``,
``nn.sampled_softmax_loss``)."""

__all__ = []
