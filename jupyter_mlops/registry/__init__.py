"""registry: public functions are listed in __all__ and re-exported by jupyter_mlops."""

__all__: list[str] = []
