"""The GraphQL layer's infrastructure: one execution path, limits, auth, errors, scalars, dataloaders.

`execute_operation(request, document, variables, operation_name=None)` is the one way into the data.
"""

from .execution import OperationResult, execute_operation

__all__ = ["OperationResult", "execute_operation"]
