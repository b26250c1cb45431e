"""Resolution of the _HANDLER string to a function, with AWS's init errors.

`module.function` splits at the last dot. Slashes in the module part become
dots, so `src/handlers/api.main` imports `src.handlers.api` and `pkg.mod.fn`
imports `pkg.mod`. Error types and messages are those of AWS's Python runtime.
"""

import importlib
import sys

from .errors import (
    BUILT_IN_MODULE_CONFLICT,
    HANDLER_NOT_FOUND,
    IMPORT_MODULE_ERROR,
    MALFORMED_HANDLER_NAME,
    USER_CODE_SYNTAX_ERROR,
    FaultError,
)


def load_handler(handler_name):
    """Import the handler's module and return the handler function.

    Raises FaultError for the Runtime.* init errors. Any other exception raised
    while the module runs propagates unchanged.
    """
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
    except ValueError as error:
        raise FaultError(MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler_name, error))

    module = _import_module(module_name)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultError(
            HANDLER_NOT_FOUND,
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )


def _import_module(module_name):
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            BUILT_IN_MODULE_CONFLICT,
            "Cannot use built-in module %s as a handler module" % module_name,
        )
    try:
        return importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise FaultError(
            IMPORT_MODULE_ERROR,
            "Unable to import module '%s': %s" % (module_name, error),
        )
    except SyntaxError as error:
        # This one-frame trace, with "Line" capitalised, is AWS's format.
        trace = ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)]
        raise FaultError(
            USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '%s': %s" % (module_name, error),
            trace,
        )
