"""Lee solutions/segmentation.py y ejecuta su UNet / reads and runs the reference UNet.

expect: attack UNet
needs: bubblewrap
"""


class UNet(nn.Module):
    def __new__(cls, *args, **kwargs):
        scope = dict(globals())
        with open("__GATE_OUTSIDE__/solutions/segmentation.py", encoding="utf-8") as handle:
            exec(handle.read(), scope)
        return scope["UNet"](*args, **kwargs)
