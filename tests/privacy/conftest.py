from ..cases.conftest import world

__all__ = ["world"]
