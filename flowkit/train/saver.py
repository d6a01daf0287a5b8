"""placeholder module, filled by its issue"""
__all__ = []
