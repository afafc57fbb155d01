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

#: Modules whose import alone is an escape route (kind, what it lets the code do).
BANNED_MODULES = {
    "threading": ("process", "crear hilos que siguen corriendo fuera de la llamada corregida"),
    "_thread": ("process", "crear hilos que siguen corriendo fuera de la llamada corregida"),
    "multiprocessing": ("process", "crear procesos"),
    "concurrent": ("process", "crear hilos o procesos"),
    "subprocess": ("process", "ejecutar programas"),
    "signal": ("process", "manejar señales"),
    "pty": ("process", "crear terminales"),
    "ctypes": ("native", "ejecutar código nativo"),
    "cffi": ("native", "ejecutar código nativo"),
    "importlib": ("dynamic_code", "importar módulos de forma dinámica"),
    "socket": ("io", "abrir conexiones de red"),
    "urllib": ("io", "abrir conexiones de red"),
    "http": ("io", "abrir conexiones de red"),
    "requests": ("io", "abrir conexiones de red"),
    "shutil": ("io", "manipular archivos"),
    "pathlib": ("io", "leer o escribir archivos"),
    "pickle": ("dynamic_code", "deserializar objetos arbitrarios"),
    "marshal": ("dynamic_code", "cargar código compilado"),
    "inspect": ("reflection", "inspeccionar el código del corrector"),
    "gc": ("reflection", "recorrer todos los objetos del proceso"),
    "builtins": ("reflection", "modificar las funciones incorporadas"),
    "__main__": ("reflection", "modificar el programa del corrector (__main__)"),
    "scipy": ("other_library", "calcular con otra biblioteca numérica (scipy)"),
    "skimage": ("other_library", "calcular con otra biblioteca numérica (scikit-image)"),
    "cv2": ("other_library", "calcular con otra biblioteca numérica (OpenCV)"),
}

#: Dotted names (and everything below them) that reach torch's internals or the OS.
BANNED_PREFIXES = {
    "torch._C": ("torch_internals", "usa el núcleo interno de PyTorch (torch._C)"),
    "torch.ops": ("torch_internals", "llama operadores internos de PyTorch (torch.ops)"),
    "torch.library": ("torch_internals", "registra operadores en PyTorch (torch.library)"),
    "torch.utils._python_dispatch": ("torch_internals", "manipula el despacho de operaciones de PyTorch"),
    "torch.overrides": ("torch_internals", "manipula el despacho de funciones de PyTorch"),
    "torch._dynamo": ("torch_internals", "usa el compilador interno de PyTorch"),
    "torch.compile": ("torch_internals", "usa el compilador de PyTorch"),
    "torch.jit": ("torch_internals", "usa el compilador JIT de PyTorch"),
    "torch.load": ("dynamic_code", "carga objetos serializados"),
    "torch.hub": ("io", "descarga código o modelos"),
    "os.system": ("process", "ejecuta comandos del sistema"),
    "os.popen": ("process", "ejecuta comandos del sistema"),
    "os.fork": ("process", "crea procesos"),
    "os.forkpty": ("process", "crea procesos"),
    "os.kill": ("process", "envía señales a procesos"),
    "os.killpg": ("process", "envía señales a procesos"),
    "os._exit": ("process", "termina el proceso"),
    "os.setsid": ("process", "se separa de su grupo de procesos"),
    "os.environ": ("io", "lee o cambia variables de entorno"),
    "os.getenv": ("io", "lee variables de entorno"),
    "os.putenv": ("io", "cambia variables de entorno"),
    "os.open": ("io", "abre archivos"),
    "os.remove": ("io", "borra archivos"),
    "os.unlink": ("io", "borra archivos"),
    "os.listdir": ("io", "lista carpetas"),
    "os.scandir": ("io", "lista carpetas"),
    "os.walk": ("io", "recorre carpetas"),
    "os.write": ("io", "escribe en descriptores de archivo"),
    "os.read": ("io", "lee descriptores de archivo"),
    "os.dup2": ("io", "redirige descriptores de archivo"),
    "sys.modules": ("reflection", "modifica los módulos cargados (sys.modules)"),
    "sys.exit": ("process", "termina el proceso"),
    "sys.settrace": ("reflection", "instala trazadores"),
    "sys.setprofile": ("reflection", "instala perfiladores"),
    "sys._getframe": ("reflection", "inspecciona la pila del corrector"),
    "sys.stdout": ("io", "escribe directamente en la salida estándar"),
    "sys.stdin": ("io", "lee la entrada estándar"),
}
for _name in ("execv", "execve", "execvp", "execl", "execlp", "spawnv", "spawnl", "posix_spawn"):
    BANNED_PREFIXES[f"os.{_name}"] = ("process", "ejecuta programas")
for _name in ("dup", "pipe", "pipe2", "fdopen", "close", "closerange", "writev", "readv", "pwrite", "pread",
              "sendfile", "lseek", "openpty", "set_inheritable", "set_blocking", "fstat", "ftruncate"):
    BANNED_PREFIXES[f"os.{_name}"] = ("io", "usa descriptores de archivo del proceso")
BANNED_PREFIXES.update({
    "os.waitpid": ("process", "espera procesos hijos"),
    "os.unshare": ("process", "crea espacios de nombres"),
    "sys.argv": ("reflection", "lee los argumentos del corrector (sys.argv)"),
    "sys.addaudithook": ("reflection", "instala ganchos de auditoría"),
    "sys.audit": ("reflection", "usa los ganchos de auditoría"),
    "sys.meta_path": ("reflection", "modifica el sistema de importación"),
    "sys.path_hooks": ("reflection", "modifica el sistema de importación"),
    "numpy.convolve": ("other_library", "usa la convolución de numpy (numpy.convolve)"),
    "numpy.correlate": ("other_library", "usa la correlación de numpy (numpy.correlate)"),
    "numpy.lib.stride_tricks.as_strided": ("native", "crea vistas de memoria sin comprobar sus límites"),
    "numpy.ctypeslib": ("native", "accede a memoria nativa (numpy.ctypeslib)"),
    "torch.Tensor._make_wrapper_subclass": ("torch_internals", "crea subclases de tensor que interceptan el despacho"),
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
    "exec": ("dynamic_code", "ejecuta código construido en tiempo de ejecución"),
    "eval": ("dynamic_code", "evalúa código construido en tiempo de ejecución"),
    "compile": ("dynamic_code", "compila código en tiempo de ejecución"),
    "__import__": ("dynamic_code", "importa módulos de forma dinámica"),
    "globals": ("reflection", "accede a las variables globales del proceso"),
    "vars": ("reflection", "accede al diccionario de atributos de un objeto"),
    "open": ("io", "abre archivos"),
    "input": ("io", "lee la entrada estándar"),
    "breakpoint": ("process", "detiene la ejecución"),
    "exit": ("process", "termina el proceso"),
    "quit": ("process", "termina el proceso"),
}

#: Attribute names that pry into objects or the dispatcher, whatever object they are read from.
BANNED_ATTRIBUTES = {
    "__subclasses__": "recorre las subclases de un tipo",
    "__builtins__": "accede a las funciones incorporadas",
    "__globals__": "accede a las variables globales de una función",
    "__code__": "modifica el código de una función",
    "__closure__": "accede a las variables capturadas de una función",
    "__import__": "importa módulos de forma dinámica",
    "__loader__": "accede al cargador de módulos",
    "f_globals": "accede a las variables de otro marco de ejecución",
    "f_back": "recorre la pila de llamadas",
    "gi_frame": "recorre la pila de llamadas",
    "__dict__": "lee o cambia el diccionario de atributos de un objeto (__dict__)",
    "__array_interface__": "crea arreglos sobre direcciones de memoria arbitrarias",
    "__torch_function__": "intercepta las funciones de PyTorch (__torch_function__)",
    "__torch_dispatch__": "intercepta el despacho de operaciones de PyTorch (__torch_dispatch__)",
    "tb_frame": "recorre la pila de llamadas",
    "f_locals": "accede a las variables de otro marco de ejecución",
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
    """One suspicious use: where it is, what kind, a message in Spanish and what it reached."""

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
            self.report(node, "torch_op", f"usa {dotted}, la implementación de PyTorch de una operación "
                                          "que la tarea pide programar", dotted)
            return
        for prefix, (kind, message) in BANNED_PREFIXES.items():
            if dotted == prefix or dotted.startswith(prefix + "."):
                self.report(node, kind, f"{message}: {dotted}", dotted)
                return
        root = dotted.split(".")[0]
        if root in BANNED_MODULES:
            kind, message = BANNED_MODULES[root]
            self.report(node, kind, f"usa {dotted}: permite {message}", dotted)
        elif root == "torch" and any(part.startswith("_") and not part.startswith("__") for part in dotted.split(".")[1:]):
            # torch._decomp, torch._refs, torch._prims, torch.Tensor._make_subclass...: private torch,
            # which holds Python implementations of pooling and convolution gradients.
            self.report(node, "torch_internals", f"usa una parte privada de PyTorch: {dotted}", dotted)

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
            self.report(node, "dynamic_code", "importación relativa: la entrega debe ser autocontenida", module)
        for alias in node.names:
            if alias.name == "*":
                self.report(node, "reflection", f"importa todo de {module} (oculta qué nombres usa)", module)
                continue
            dotted = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = dotted
            self.check_import(node, dotted)

    def check_import(self, node: ast.AST, dotted: str) -> None:
        root = dotted.split(".")[0]
        if root in BANNED_MODULES:
            kind, message = BANNED_MODULES[root]
            self.report(node, kind, f"importa {dotted}: permite {message}", dotted)
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
            self.report(node, "reflection", f"{BANNED_ATTRIBUTES[node.attr]} ({node.attr})", node.attr)
        elif node.attr in DISPATCH_INTERNALS:
            self.report(node, "torch_internals", f"manipula el despacho interno de PyTorch ({node.attr})", node.attr)
        dotted = self.resolve(node)
        if dotted:
            self.check_dotted(node, dotted)
            return  # the chain's inner names are the same use; don't report them again
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            if self.resolve(base) in ("torch.Tensor", "torch._C.TensorBase", "torch._C._TensorBase"):
                self.report(node, "torch_internals", f"define una subclase de torch.Tensor ({node.name}), que "
                                                     "puede cambiar qué calcula una operación", "torch.Tensor")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in ("__torch_function__", "__torch_dispatch__"):
            self.report(node, "torch_internals", f"{BANNED_ATTRIBUTES[node.name]}", node.name)
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
            self.report(node, "reflection", f"{BANNED_ATTRIBUTES[node.id]} ({node.id})", node.id)
        dotted = self.aliases.get(node.id)
        if dotted and isinstance(node.ctx, ast.Load) and dotted != node.id:
            self.check_dotted(node, dotted)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.aliases:
            if func.id in BANNED_BUILTINS:
                kind, message = BANNED_BUILTINS[func.id]
                self.report(node, kind, f"{message} ({func.id})", func.id)
            if func.id in NAME_TAKING_CALLS and (len(node.args) < 2 or not (
                    isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str))):
                self.report(node, "reflection", f"{func.id} con un nombre que no es literal: oculta a qué "
                                                "atributo accede", func.id)
        dotted = self.resolve(node)  # getattr(F, "conv2d") is F.conv2d
        if dotted and not isinstance(func, ast.Attribute):
            self.check_dotted(node, dotted)
        self.generic_visit(node)
