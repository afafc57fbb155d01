"""Static scan of a submission's source for escapes the worker's op recording could miss.

``scan_source`` walks the AST (it never runs the code) and reports each suspicious use with the
top-level definition it sits in (``scope``), so the grader can attribute it to a part: processes and threads,
torch internals and dispatch tricks that could hide ops from the recorder, native code, dynamic
code and reflection, files/network/environment, and torch's own convolution and pooling under any
alias (``F.conv2d``, ``torch.conv2d``, ``nn.Conv2d``, ``c = F.conv2d`` captured at import...).
Modules in architectures/segmentation legitimately use ``nn.Conv2d``: the scan only reports, the
grader decides per part. Example::

    >>> source = "import torch.nn.functional as F\\nc = F.conv2d\\ndef conv2d(x, w):\\n    return c(x, w)\\n"
    >>> [(f.line, f.kind, f.scope, f.target) for f in scan_source(source)]
    [(2, 'torch_op', None, 'torch.nn.functional.conv2d'), (4, 'torch_op', 'conv2d', 'torch.nn.functional.conv2d')]
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from autograder.i18n import N_, _

#: Modules whose import alone is an escape route (kind, what it lets the code do).
BANNED_MODULES = {
    "threading": ("process", N_("create threads that keep running outside the graded call")),
    "_thread": ("process", N_("create threads that keep running outside the graded call")),
    "multiprocessing": ("process", N_("create processes")),
    "concurrent": ("process", N_("create threads or processes")),
    "subprocess": ("process", N_("run programs")),
    "signal": ("process", N_("handle signals")),
    "pty": ("process", N_("create terminals")),
    "ctypes": ("native", N_("run native code")),
    "cffi": ("native", N_("run native code")),
    "importlib": ("dynamic_code", N_("import modules dynamically")),
    "socket": ("io", N_("open network connections")),
    "urllib": ("io", N_("open network connections")),
    "http": ("io", N_("open network connections")),
    "requests": ("io", N_("open network connections")),
    "shutil": ("io", N_("manipulate files")),
    "pathlib": ("io", N_("read or write files")),
    "pickle": ("dynamic_code", N_("deserialize arbitrary objects")),
    "marshal": ("dynamic_code", N_("load compiled code")),
    "inspect": ("reflection", N_("inspect the grader's code")),
    "gc": ("reflection", N_("walk every object of the process")),
    "builtins": ("reflection", N_("modify the built-in functions")),
    "__main__": ("reflection", N_("modify the grader's program (__main__)")),
    "scipy": ("other_library", N_("compute with another numerical library (scipy)")),
    "skimage": ("other_library", N_("compute with another numerical library (scikit-image)")),
    "cv2": ("other_library", N_("compute with another numerical library (OpenCV)")),
}

#: Dotted names (and everything below them) that reach torch's internals or the OS.
BANNED_PREFIXES = {
    "torch._C": ("torch_internals", N_("uses PyTorch's internal core (torch._C)")),
    "torch.ops": ("torch_internals", N_("calls PyTorch's internal operators (torch.ops)")),
    "torch.library": ("torch_internals", N_("registers operators in PyTorch (torch.library)")),
    "torch.utils._python_dispatch": ("torch_internals", N_("tampers with PyTorch's operation dispatch")),
    "torch.overrides": ("torch_internals", N_("tampers with PyTorch's function dispatch")),
    "torch._dynamo": ("torch_internals", N_("uses PyTorch's internal compiler")),
    "torch.compile": ("torch_internals", N_("uses PyTorch's compiler")),
    "torch.jit": ("torch_internals", N_("uses PyTorch's JIT compiler")),
    "torch.load": ("dynamic_code", N_("loads serialized objects")),
    "torch.hub": ("io", N_("downloads code or models")),
    "os.system": ("process", N_("runs system commands")),
    "os.popen": ("process", N_("runs system commands")),
    "os.fork": ("process", N_("creates processes")),
    "os.forkpty": ("process", N_("creates processes")),
    "os.kill": ("process", N_("sends signals to processes")),
    "os.killpg": ("process", N_("sends signals to processes")),
    "os._exit": ("process", N_("ends the process")),
    "os.setsid": ("process", N_("leaves its process group")),
    "os.environ": ("io", N_("reads or changes environment variables")),
    "os.getenv": ("io", N_("reads environment variables")),
    "os.putenv": ("io", N_("changes environment variables")),
    "os.open": ("io", N_("opens files")),
    "os.remove": ("io", N_("deletes files")),
    "os.unlink": ("io", N_("deletes files")),
    "os.listdir": ("io", N_("lists folders")),
    "os.scandir": ("io", N_("lists folders")),
    "os.walk": ("io", N_("walks folders")),
    "os.write": ("io", N_("writes to file descriptors")),
    "os.read": ("io", N_("reads file descriptors")),
    "os.dup2": ("io", N_("redirects file descriptors")),
    "sys.modules": ("reflection", N_("modifies the loaded modules (sys.modules)")),
    "sys.exit": ("process", N_("ends the process")),
    "sys.settrace": ("reflection", N_("installs tracers")),
    "sys.setprofile": ("reflection", N_("installs profilers")),
    "sys._getframe": ("reflection", N_("inspects the grader's stack")),
    "sys.stdout": ("io", N_("writes straight to standard output")),
    "sys.stdin": ("io", N_("reads standard input")),
}
for _name in ("execv", "execve", "execvp", "execl", "execlp", "spawnv", "spawnl", "posix_spawn"):
    BANNED_PREFIXES[f"os.{_name}"] = ("process", N_("runs programs"))
for _name in ("dup", "pipe", "pipe2", "fdopen", "close", "closerange", "writev", "readv", "pwrite", "pread",
              "sendfile", "lseek", "openpty", "set_inheritable", "set_blocking", "fstat", "ftruncate"):
    BANNED_PREFIXES[f"os.{_name}"] = ("io", N_("uses the process's file descriptors"))
BANNED_PREFIXES.update({
    "os.waitpid": ("process", N_("waits for child processes")),
    "os.unshare": ("process", N_("creates namespaces")),
    "sys.argv": ("reflection", N_("reads the grader's arguments (sys.argv)")),
    "sys.addaudithook": ("reflection", N_("installs audit hooks")),
    "sys.audit": ("reflection", N_("uses the audit hooks")),
    "sys.meta_path": ("reflection", N_("modifies the import system")),
    "sys.path_hooks": ("reflection", N_("modifies the import system")),
    "numpy.convolve": ("other_library", N_("uses numpy's convolution (numpy.convolve)")),
    "numpy.correlate": ("other_library", N_("uses numpy's correlation (numpy.correlate)")),
    "numpy.lib.stride_tricks.as_strided": ("native", N_("creates memory views without checking their bounds")),
    "numpy.ctypeslib": ("native", N_("reaches native memory (numpy.ctypeslib)")),
    "torch.Tensor._make_wrapper_subclass": ("torch_internals", N_("creates tensor subclasses that intercept the dispatch")),
})

#: torch's own implementations of what the course asks students to write (any alias of these).
TORCH_OPS = {f"torch.nn.functional.{name}" for name in (
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d",
    "avg_pool3d", "adaptive_max_pool2d", "adaptive_avg_pool2d", "lp_pool2d", "fractional_max_pool2d",
    "max_unpool2d", "center_crop")}
TORCH_OPS |= {f"torch.{name}" for name in (
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "convolution", "_convolution", "conv_tbc", "cudnn_convolution", "mkldnn_convolution",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_max_pool1d")}
TORCH_OPS |= {f"torch.nn.{name}" for name in (
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "LazyConv2d", "LazyConvTranspose2d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d",
    "AvgPool3d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "LPPool2d", "FractionalMaxPool2d", "MaxUnpool2d")}
TORCH_OPS |= {"torch.nn.grad.conv2d_input", "torch.nn.grad.conv2d_weight", "torch.nn.modules.conv",
              "torch.nn.modules.pooling", "torchvision.transforms.functional.center_crop",
              "torchvision.transforms.CenterCrop", "torchvision.ops"}

#: Built-in calls that run code, reach files, or look into the interpreter.
BANNED_BUILTINS = {
    "exec": ("dynamic_code", N_("runs code built at run time")),
    "eval": ("dynamic_code", N_("evaluates code built at run time")),
    "compile": ("dynamic_code", N_("compiles code at run time")),
    "__import__": ("dynamic_code", N_("imports modules dynamically")),
    "globals": ("reflection", N_("reaches the process's global variables")),
    "vars": ("reflection", N_("reaches an object's attribute dictionary")),
    "open": ("io", N_("opens files")),
    "input": ("io", N_("reads standard input")),
    "breakpoint": ("process", N_("stops the execution")),
    "exit": ("process", N_("ends the process")),
    "quit": ("process", N_("ends the process")),
}

#: Attribute names that pry into objects or the dispatcher, whatever object they are read from.
BANNED_ATTRIBUTES = {
    "__subclasses__": N_("walks a type's subclasses"),
    "__builtins__": N_("reaches the built-in functions"),
    "__globals__": N_("reaches a function's global variables"),
    "__code__": N_("modifies a function's code"),
    "__closure__": N_("reaches a function's captured variables"),
    "__import__": N_("imports modules dynamically"),
    "__loader__": N_("reaches the module loader"),
    "f_globals": N_("reaches the variables of another execution frame"),
    "f_back": N_("walks the call stack"),
    "gi_frame": N_("walks the call stack"),
    "__dict__": N_("reads or changes an object's attribute dictionary (__dict__)"),
    "__array_interface__": N_("creates arrays over arbitrary memory addresses"),
    "__torch_function__": N_("intercepts PyTorch's functions (__torch_function__)"),
    "__torch_dispatch__": N_("intercepts PyTorch's operation dispatch (__torch_dispatch__)"),
    "tb_frame": N_("walks the call stack"),
    "f_locals": N_("reaches the variables of another execution frame"),
}
DISPATCH_INTERNALS = ("_C", "_pop_mode", "_push_mode", "_set_dispatch_mode", "_get_dispatch_mode",
                      "_unset_dispatch_mode", "_len_torch_dispatch_stack", "_get_current_dispatch_mode",
                      "_DisableTorchDispatch", "_disabled_torch_dispatch_impl", "DisableTorchFunction",
                      "_disabled_torch_function_impl", "_ExcludeDispatchKeyGuard", "_AutoDispatchBelow",
                      "TorchDispatchMode", "TorchFunctionMode", "_disable_current_modes", "_pop_torch_dispatch_mode", "_pop_torch_dispatch_stack",
                      "_push_on_torch_dispatch_stack", "_len_torch_dispatch_stack", "_pop_mode_temporarily",
                      "_python_dispatch", "_dispatch_library", "py_impl", "py_kernels")

#: Calls whose second argument names an attribute: a non-literal name hides what is reached.
NAME_TAKING_CALLS = {"getattr", "setattr", "delattr", "hasattr"}


@dataclass(frozen=True)
class Finding:
    """One suspicious use: where it is, what kind, a message in the course's language and what it reached."""

    line: int
    kind: str            # process | torch_internals | native | dynamic_code | reflection | io | torch_op | other_library
    message: str
    scope: str | None = None        # the enclosing top-level def/class (None: module level)
    target: str = ""                # the dotted name reached, e.g. "torch.nn.functional.conv2d"


def scan_source(source: str) -> list[Finding]:
    """Every finding in ``source``, in line order (one per line, kind and name)."""
    try:
        compile(source, "<entrega>", "exec", dont_inherit=True)  # too deep fails here harmlessly (see extraction)
        from autograder.grading.extraction import parse_ast

        tree = parse_ast(source, "<entrega>")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the worker reports syntax errors; there is nothing to scan
    scanner = _Scanner()
    for statement in tree.body:
        scanner.scope = getattr(statement, "name", None)
        scanner.visit(statement)
    unique = {(f.line, f.kind, f.target): f for f in scanner.findings}
    return sorted(unique.values(), key=lambda f: (f.line, f.kind, f.target))


class _Scanner(ast.NodeVisitor):
    def __init__(self):
        self.aliases: dict[str, str] = {}   # local name -> dotted origin ("F" -> "torch.nn.functional")
        self.scope: str | None = None
        self.findings: list[Finding] = []

    def report(self, node: ast.AST, kind: str, message: str, name: str = "") -> None:
        self.findings.append(Finding(getattr(node, "lineno", 0), kind, message, self.scope, name))

    # -- names -----------------------------------------------------------------------------------
    def resolve(self, node: ast.AST) -> str | None:
        """The dotted origin of a name/attribute chain (through import and assignment aliases)."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            base = self.resolve(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None

    def check_dotted(self, node: ast.AST, dotted: str) -> None:
        # Modules re-export their imports: F.torch.conv2d is torch.conv2d, np.os.system is os.system.
        for module in ("torch", "os", "sys"):
            if f".{module}." in dotted:
                dotted = module + "." + dotted.rsplit(f".{module}.", 1)[1]
        if dotted in TORCH_OPS or any(dotted.startswith(op + ".") for op in TORCH_OPS):
            self.report(node, "torch_op", _("uses {name}, PyTorch's implementation of an operation "
                                            "the assignment asks you to write", name=dotted), dotted)
            return
        for prefix, (kind, message) in BANNED_PREFIXES.items():
            if dotted == prefix or dotted.startswith(prefix + "."):
                self.report(node, kind, _("{what}: {name}", what=_(message), name=dotted), dotted)
                return
        root = dotted.split(".")[0]
        if root in BANNED_MODULES:
            kind, message = BANNED_MODULES[root]
            self.report(node, kind, _("uses {name}: it lets the code {what}", name=dotted, what=_(message)), dotted)
        elif root == "torch" and any(part.startswith("_") and not part.startswith("__") for part in dotted.split(".")[1:]):
            # torch._decomp, torch._refs, torch._prims, torch.Tensor._make_subclass...: private torch,
            # which holds Python implementations of pooling and convolution gradients.
            self.report(node, "torch_internals", _("uses a private part of PyTorch: {name}", name=dotted), dotted)

    # -- imports and aliases ----------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.aliases[root] = root
            self.check_import(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.report(node, "dynamic_code", _("relative import: your code must be self-contained"), module)
        for alias in node.names:
            if alias.name == "*":
                self.report(node, "reflection", _("imports everything from {module} (hides which names it uses)",
                                                  module=module), module)
                continue
            dotted = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = dotted
            self.check_import(node, dotted)

    def check_import(self, node: ast.AST, dotted: str) -> None:
        root = dotted.split(".")[0]
        if root in BANNED_MODULES:
            kind, message = BANNED_MODULES[root]
            self.report(node, kind, _("imports {name}: it lets the code {what}", name=dotted, what=_(message)), dotted)
        else:
            self.check_dotted(node, dotted)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        origin = self.resolve(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if origin:
                    self.aliases[target.id] = origin  # c = F.conv2d: later uses of c are F.conv2d
                else:
                    self.aliases.pop(target.id, None)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        origin = self.resolve(node.value)
        if origin:
            self.aliases[node.target.id] = origin

    # -- uses ----------------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in BANNED_ATTRIBUTES:
            self.report(node, "reflection", _("{what} ({name})", what=_(BANNED_ATTRIBUTES[node.attr]), name=node.attr),
                        node.attr)
        elif node.attr in DISPATCH_INTERNALS:
            self.report(node, "torch_internals", _("tampers with PyTorch's internal dispatch ({name})", name=node.attr),
                        node.attr)
        dotted = self.resolve(node)
        if dotted:
            self.check_dotted(node, dotted)
            return  # the chain's inner names are the same use; don't report them again
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            if self.resolve(base) in ("torch.Tensor", "torch._C.TensorBase", "torch._C._TensorBase"):
                self.report(node, "torch_internals", _("defines a subclass of torch.Tensor ({name}), which can "
                                                       "change what an operation computes", name=node.name),
                            "torch.Tensor")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in ("__torch_function__", "__torch_dispatch__"):
            self.report(node, "torch_internals", _(BANNED_ATTRIBUTES[node.name]), node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Subscript(self, node: ast.Subscript) -> None:
        # F.__dict__["conv2d"] and vars(F)["conv2d"] are F.conv2d
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            holder = node.value
            base = None
            if isinstance(holder, ast.Attribute) and holder.attr == "__dict__":
                base = self.resolve(holder.value)
            elif (isinstance(holder, ast.Call) and isinstance(holder.func, ast.Name) and holder.func.id == "vars"
                  and holder.args):
                base = self.resolve(holder.args[0])
            if base:
                self.check_dotted(node, f"{base}.{key.value}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in BANNED_ATTRIBUTES:
            self.report(node, "reflection", _("{what} ({name})", what=_(BANNED_ATTRIBUTES[node.id]), name=node.id), node.id)
        dotted = self.aliases.get(node.id)
        if dotted and isinstance(node.ctx, ast.Load) and dotted != node.id:
            self.check_dotted(node, dotted)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.aliases:
            if func.id in BANNED_BUILTINS:
                kind, message = BANNED_BUILTINS[func.id]
                self.report(node, kind, _("{what} ({name})", what=_(message), name=func.id), func.id)
            if func.id in NAME_TAKING_CALLS and (len(node.args) < 2 or not (
                    isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str))):
                self.report(node, "reflection", _("{name} with a name that is not a literal: it hides which "
                                                  "attribute it reaches", name=func.id), func.id)
        dotted = self.resolve(node)  # getattr(F, "conv2d") is F.conv2d
        if dotted and not isinstance(func, ast.Attribute):
            self.check_dotted(node, dotted)
        self.generic_visit(node)
