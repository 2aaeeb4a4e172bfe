"""Optional extras: import them when a feature is used, or say what to install."""

import importlib

__all__ = ["check_extra_support"]


def check_extra_support(caller_name, extra, modules):
    """Import ``modules``, or raise an ImportError naming the extra to install.

    Parameters
    ----------
    caller_name : str
        The feature that needs them, e.g. ``"LossCurveDisplay.plot"``.

    extra : str
        The skmlp extra that installs them, e.g. ``"plot"``.

    modules : sequence of str
        The modules to import.
    """
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ImportError(
                f"{caller_name} requires {module}, which skmlp's {extra!r} extra "
                f'installs: pip install -e ".[{extra}]" from a checkout of skmlp, '
                f'or pip install "skmlp[{extra}]" from an index that has skmlp.'
            ) from exc
