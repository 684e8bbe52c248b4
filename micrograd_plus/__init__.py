"""micrograd_plus: a scalar autograd engine for teaching deep learning."""

from micrograd_plus.autograd import grad
from micrograd_plus.engine import Value, enable_grad, is_grad_enabled, no_grad, op_result
from micrograd_plus.gradcheck import GradcheckError, gradcheck, gradcheck_parameters
from micrograd_plus.scopes import scope

__all__ = [
    "GradcheckError",
    "Value",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradcheck_parameters",
    "is_grad_enabled",
    "no_grad",
    "op_result",
    "scope",
]
__version__ = "0.1.0"
